#:project ../lib/SemiDpo/SemiDpo.csproj
#:property PublishAot=false
// Usage (from the repository root): dotnet run -c Release -p:GeneratePackageOnBuild=false bench/stream-images.cs -- [PAIRS] [SIDE] [GROUP_ROWS] [BATCH] [ROUNDS] [CACHE_MIB]
// A pair set whose images stay in their shards (SemiDpo.Preferences.ShardImages) against the same set held in memory:
// writes PAIRS pairs (default 1,024) of SIDE² images (default 512, noisy gradients: PNGs of about Pick-a-Pic's size) into
// two shards of GROUP_ROWS rows a row group (default 26 ≈ the 32 MiB `semidpo filter` writes), then times random
// batches of BATCH pairs (default 4, winners and losers, as a training step draws them) from both, alternating ROUNDS
// rounds (default 5) of 10 batches, and prints the ratio of medians with the spread, the row groups a batch reads and
// the resident memory each set adds. The held set is the peer: the time a streamed batch adds to a training step.
// CACHE_MIB (default 256, eight row groups): the streamed set's cache, small so that a bench-sized set behaves as a real one
// (200,000 pairs against ShardImages.DefaultCacheBytes: nearly every pair's row group is read afresh).
using System.Diagnostics;
using SemiDpo.Data;
using SemiDpo.Imaging;
using SemiDpo.Preferences;
using SemiDpo.Torch;
using SemiDpo.World.Model;
using static TorchSharp.torch;
TorchRuntime.Init();
int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i]) : fallback;
var (pairs, side, groupRows, batch, rounds, cacheMib) = (Arg(0, 1024), Arg(1, 512), Arg(2, 26), Arg(3, 4), Arg(4, 5), Arg(5, 256));
static long Mb(string key) => long.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith(key)).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;

var folder = Directory.CreateTempSubdirectory("semidpo-stream-bench").FullName;
try
{
    var random = new Random(1);
    RgbImage Image()
    {
        var pixels = new byte[3 * side * side];
        var (a, b) = (random.Next(256), random.Next(256));
        for (var y = 0; y < side; y++)
        for (var x = 0; x < side; x++)
        for (var c = 0; c < 3; c++)
            pixels[3 * (y * side + x) + c] = (byte)Math.Clamp((a * x + b * y) / side + (c * 40) + random.Next(-12, 13), 0, 255);
        return new RgbImage(side, side, pixels);
    }
    var clock = Stopwatch.StartNew();
    long fileBytes = 0;
    for (var shard = 0; shard < 2; shard++)
    {
        var path = Path.Combine(folder, $"train-{shard:D5}.parquet");
        await using (var stream = File.Create(path))
        await using (var writer = await PickapicWriter.CreateAsync(stream, withTruth: false))
            for (var start = shard * pairs / 2; start < (shard + 1) * pairs / 2; start += groupRows)
            {
                var rows = Enumerable.Range(start, Math.Min(groupRows, (shard + 1) * pairs / 2 - start))
                    .Select(i => EncodedPair.From(new PreferencePair($"a picture number {i}", Image(), Image(), i % 2, 1 - i % 2, new PairMetadata())))
                    .ToList();
                await writer.WriteRowGroupAsync(rows);
            }
        fileBytes += new FileInfo(path).Length;
    }
    Console.WriteLine($"{pairs} pairs of {side}² PNG images ({fileBytes / (double)pairs / 2 / (1 << 10):N0} KiB an image) in 2 shards of {groupRows}-row groups " +
        $"({fileBytes / (double)(1 << 20) / Math.Ceiling(pairs / (double)groupRows):N1} MiB a row group), written in {clock.Elapsed.TotalSeconds:N0} s");

    var tokenizer = new CaptionTokenizer();
    var shards = await PickapicShards.OpenAsync(folder);
    var before = Mb("VmRSS");
    clock.Restart();
    var images = new ShardImages(await shards.ReadEncodedAsync(withImages: false).ToListAsync(), side, (long)cacheMib << 20);
    using var streamedWinners = images.Side(winners: true);
    using var streamedLosers = images.Side(winners: false);
    var (streamedOpen, streamedMb) = (clock.Elapsed.TotalSeconds, Mb("VmRSS") - before);
    before = Mb("VmRSS");
    clock.Restart();
    using var held = PairSet.From(await shards.ReadPairsAsync().ToListAsync(), tokenizer, side);
    var (heldOpen, heldMb) = (clock.Elapsed.TotalSeconds, Mb("VmRSS") - before);
    Console.WriteLine($"opening: streamed {streamedOpen:N1} s (+{streamedMb:N0} MB resident), held {heldOpen:N1} s (+{heldMb:N0} MB resident; its images: {2L * pairs * 3 * side * side >> 20:N0} MB)");

    var draw = new Random(2);
    static double Time(PairRows winners, PairRows losers, long[][] batches)
    {
        var watch = Stopwatch.StartNew();
        foreach (var rows in batches)
        {
            using var scope = NewDisposeScope();
            var index = tensor(rows);
            winners.Select(index);
            losers.Select(index);
        }
        return watch.Elapsed.TotalMilliseconds / batches.Length;
    }
    var ratios = new List<double>();
    var (streamedMs, heldMs) = (new List<double>(), new List<double>());
    for (var round = 0; round < rounds; round++)
    {
        var batches = Enumerable.Range(0, 10).Select(_ => Enumerable.Range(0, batch).Select(_ => (long)draw.Next(held.Count)).ToArray()).ToArray();
        var s = Time(streamedWinners, streamedLosers, batches);
        var h = Time(held.Winners, held.Losers, batches);
        (streamedMs, heldMs, ratios) = ([.. streamedMs, s], [.. heldMs, h], [.. ratios, s / h]);
        Console.WriteLine($"round {round + 1}: streamed {s:N1} ms a batch, held {h:N2} ms a batch");
    }
    static double Median(List<double> values) { var v = values.Order().ToList(); return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2; }
    Console.WriteLine($"batch of {batch} pairs: streamed / held {Median(ratios):N0}× (min {ratios.Min():N0} … max {ratios.Max():N0}) over {rounds} rounds; " +
        $"median {Median(streamedMs):N0} ms vs {Median(heldMs):N2} ms; {images.RowGroupsRead / (10.0 * rounds):N1} row groups read a batch; resident after: {Mb("VmRSS"):N0} MB, peak {Mb("VmHWM"):N0} MB");
}
finally
{
    Directory.Delete(folder, recursive: true);
}
