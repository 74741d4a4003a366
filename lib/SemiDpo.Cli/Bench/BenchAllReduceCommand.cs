using System.ComponentModel;
using System.Diagnostics;
using SemiDpo.Cli.Common;
using SemiDpo.Distributed;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace SemiDpo.Cli.Bench;

/// <summary>
/// <c>mpiexec -n N semidpo bench allreduce</c>: the gradient all-reduce of one optimizer step (<see cref="GradientAllReduce"/>:
/// buckets, MPI sum, copy back) for gradients of SD1.5's UNet (859,520,964 float32, 3.44 GB) and of its LoRA rank 4
/// (797,184), as layers of at most 16M elements; median and spread over rounds, and the rate.
/// </summary>
public sealed class BenchAllReduceCommand : Command<BenchAllReduceCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--elements <N,...>"), Description("Gradient sizes in float32 elements (default: SD1.5's UNet and its LoRA rank 4).")]
        public string Elements { get; init; } = "859520964,797184";

        [CommandOption("--rounds <N>"), Description("Timed all-reduces per size (after one untimed).")]
        public int Rounds { get; init; } = 5;
    }

    const long Layer = 16L << 20;

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var world = DistributedRun.Join();
        if (!world.IsDistributed) throw new ArgumentException("bench allreduce measures MPI: run it as mpiexec -n 2 semidpo bench allreduce.");
        var sizes = settings.Elements.Split(',').Select(e => long.TryParse(e, out var n) && n > 0 ? n : throw new ArgumentException($"--elements: '{e}' is not a positive count.")).ToList();
        foreach (var elements in sizes)
        {
            using var scope = NewDisposeScope();
            var layers = Enumerable.Range(0, (int)((elements + Layer - 1) / Layer)).Select(i => ones(Math.Min(Layer, elements - i * Layer))).ToList();
            var times = new List<double>();
            for (var round = 0; round <= settings.Rounds; round++)
            {
                world.Barrier("the bench");
                var clock = Stopwatch.StartNew();
                GradientAllReduce.Apply(world, layers);
                if (round > 0) times.Add(clock.Elapsed.TotalSeconds);
            }
            var expected = Math.Pow(world.Size, settings.Rounds + 1);
            if (layers.Any(l => l[0].item<float>() != (float)expected)) throw new InvalidDataException("the all-reduce summed wrongly.");
            var median = PeerBench.Median(times);
            AnsiConsole.MarkupLine(Markup.Escape($"{world.Size} ranks, {elements:N0} float32 ({elements * 4 / 1e9:F2} GB): median {median * 1000:F1} ms " +
                $"(min {times.Min() * 1000:F1}, max {times.Max() * 1000:F1}; {settings.Rounds} rounds) = {elements * 4 / median / 1e9:F2} GB/s per rank"));
        }
        return 0;
    }
}
