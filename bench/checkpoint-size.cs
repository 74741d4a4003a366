#:project ../lib/SemiDpo/SemiDpo.csproj
#:property PublishAot=false
// Usage (from the repository root): dotnet run -c Release bench/checkpoint-size.cs -- save|load full|lora [FOLDER]
// SD1.5's UNet at its real size (UNet2DConditionConfig.StableDiffusion15: 860M parameters, random weights) after one
// Diffusion-DPO-shaped optimizer step at 8×8 latents: save writes the checkpoint a training stage writes (full: all
// weights + AdamW state; lora: the rank-8 adapters + their AdamW state), load resumes it into a fresh model and
// optimizer in a new process. Prints the file size, the wall time and the process's peak resident memory, so the
// streamed checkpoint's memory can be read against the model's own (weights 3.44 GB, AdamW state 6.9 GB).
using System.Diagnostics;
using SemiDpo.Diffusion;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;
TorchRuntime.Init();
static long Mb(string key) => long.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith(key)).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
var (mode, kind) = (args[0], args[1]);
var folder = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "semidpo-checkpoint-size");
Directory.CreateDirectory(folder);
var path = Path.Combine(folder, $"{kind}.ckpt");
var clock = Stopwatch.StartNew();
Seeding.Everything(mode == "save" ? 1 : 2);
using var unet = new UNet2DConditionModel(UNet2DConditionConfig.StableDiffusion15);
if (kind == "lora") unet.AddLora(new LoraConfig(Rank: 8));
var trained = unet.named_parameters().Where(p => p.parameter.requires_grad).ToList();
IReadOnlyCollection<string>? keys = kind == "lora" ? trained.Select(p => p.name).ToList() : null;
using var optimizer = optim.AdamW(trained.Select(p => p.parameter), 1e-5);
var built = clock.Elapsed.TotalSeconds;
Console.WriteLine($"{kind}: {unet.parameters().Sum(p => p.numel()):N0} parameters, {trained.Sum(p => p.parameter.numel()):N0} trained; built in {built:F1} s, RSS {Mb("VmRSS"):N0} MB");
if (mode == "save")
{
    using (var scope = NewDisposeScope())
    {
        var latents = randn(1, 4, 8, 8);
        var context = randn(1, 77, 768);
        var loss = unet.forward(latents, tensor(new long[] { 500 }), context).pow(2).mean();
        loss.backward();
    }
    optimizer.step();
    optimizer.zero_grad();
    var stepped = clock.Elapsed.TotalSeconds;
    Checkpoint.Save(path, unet, optimizer, "{}", step: 1, keys: keys);
    var checksum = trained.Sum(p => p.parameter.abs().sum().item<float>());
    Console.WriteLine($"save {kind}: one step {stepped - built:F1} s; wrote {new FileInfo(path).Length / 1e9:F3} GB in {clock.Elapsed.TotalSeconds - stepped:F1} s; peak RSS {Mb("VmHWM"):N0} MB " +
        $"(checksum of the trained weights {checksum:G6})");
}
else
{
    var header = Checkpoint.Load(path, unet, optimizer, "{}");
    var checksum = trained.Sum(p => p.parameter.abs().sum().item<float>());
    Console.WriteLine($"load {kind}: {new FileInfo(path).Length / 1e9:F3} GB (step {header.Step}) resumed in {clock.Elapsed.TotalSeconds - built:F1} s; peak RSS {Mb("VmHWM"):N0} MB; " +
        $"RSS after {Mb("VmRSS"):N0} MB (checksum of the trained weights {checksum:G6})");
}
