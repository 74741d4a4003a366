#:project ../lib/SemiDpo/SemiDpo.csproj
#:property PublishAot=false
// Usage (from bench/): dotnet run -c Release latent-memory.cs -- map|read|write PAIRS   (e.g. write 16000, map 16000, read 16000)
// Peak memory of a Stage-2 latent set at SD1.5's 512² (4×64×64 float16 mean and std per image): mapped chunk files
// (PairRows over SafeTensors.Map, what LatentCache.TryLoadAsync does now) against reading and concatenating them (before).
using SemiDpo.Preferences;
using SemiDpo.Torch;
using static TorchSharp.torch;
TorchRuntime.Init();
long Kb(string key) => long.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith(key)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
var (mode, pairs, chunk) = (args[0], int.Parse(args[1]), 256);
var folder = Path.Combine(Path.GetTempPath(), $"semidpo-latent-memory-{pairs}");   // 128 KB a pair; delete it afterwards
Directory.CreateDirectory(folder);
var chunks = (pairs + chunk - 1) / chunk;
for (var c = 0; c < chunks; c++)
{
    var path = Path.Combine(folder, $"noisy.{c:00000}.safetensors");
    if (File.Exists(path)) continue;
    using var scope = NewDisposeScope();
    var n = Math.Min(chunk, pairs - c * chunk);
    SafeTensors.Write(path, new[] { "winner_mean", "winner_std", "loser_mean", "loser_std" }.ToDictionary(k => k, _ => randn(n, 4, 64, 64).to_type(ScalarType.Float16)));
}
if (mode == "write") return;
var before = Kb("VmRSS");
var files = Enumerable.Range(0, chunks).Select(c => Path.Combine(folder, $"noisy.{c:00000}.safetensors")).ToList();
PairRows Side(string name, List<Dictionary<string, Tensor>> loaded) => mode == "map"
    ? new PairRows(loaded.Select(d => d[name]).ToList())
    : new PairRows(cat(loaded.Select(d => d[name]).ToList(), 0));
var loaded = files.Select(f => mode == "map" ? SafeTensors.Map(f) : SafeTensors.Read(f)).ToList();
var sides = new[] { "winner_mean", "winner_std", "loser_mean", "loser_std" }.Select(n => Side(n, loaded)).ToList();
if (mode != "map") foreach (var t in loaded.SelectMany(d => d.Values)) t.Dispose();
var afterLoad = Kb("VmRSS");
var random = new Random(1);
var sum = 0.0;
for (var step = 0; step < 300; step++)
{
    using var scope = NewDisposeScope();
    var index = tensor(Enumerable.Range(0, 16).Select(_ => (long)random.Next(pairs)).ToArray());
    foreach (var side in sides) sum += side.Select(index).to_type(ScalarType.Float32).mean().item<float>();
}
Console.WriteLine($"{mode}: {pairs:N0} pairs ({pairs * 128L / 1024:N0} MB of latents): RSS {before / 1024:N0} MB before loading, {afterLoad / 1024:N0} MB loaded, " +
    $"{Kb("VmRSS") / 1024:N0} MB after 300 batches of 16 (anonymous {Kb("RssAnon") / 1024:N0} MB; file pages {Kb("RssFile") / 1024:N0} MB, which the OS can drop); peak {Kb("VmHWM") / 1024:N0} MB (checksum {sum:F3})");
