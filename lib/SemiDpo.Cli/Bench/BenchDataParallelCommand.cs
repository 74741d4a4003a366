using System.ComponentModel;
using SemiDpo.Cli.Common;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Bench;

/// <summary>
/// <c>semidpo bench data-parallel</c>: the same Iter0 on the world trained by <c>mpiexec -n R</c> (one thread per
/// rank) and by one process with R threads, in alternating rounds; whole-process wall times, the per-round ratios and
/// their median (below 1: the ranks are faster).
/// </summary>
public sealed class BenchDataParallelCommand : AsyncCommand<BenchDataParallelCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--ranks <N>"), Description("Ranks (and the single process's threads).")]
        public int Ranks { get; init; } = 2;

        [CommandOption("--rounds <N>"), Description("Alternating rounds (each: the ranks, then the single process).")]
        public int Rounds { get; init; } = 5;

        [CommandOption("--steps <N>"), Description("Iter0 steps per run.")]
        public int Steps { get; init; } = 40;

        [CommandOption("--batch <N>"), Description("Pairs per step.")]
        public int Batch { get; init; } = 32;

        [CommandOption("--micro-batch <N>"), Description("Pairs per forward (each rank takes every R-th micro-batch).")]
        public int MicroBatch { get; init; } = 16;

        public override ValidationResult Validate() =>
            Ranks < 2 || Rounds < 1 || Steps < 1 || MicroBatch < 1 || Batch % MicroBatch != 0 || Batch / MicroBatch < Ranks
                ? ValidationResult.Error("--ranks ≥ 2, --rounds and --steps ≥ 1, and --batch a multiple of --micro-batch with at least --ranks micro-batches.")
                : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var folder = Directory.CreateTempSubdirectory("semidpo-bench-dp-").FullName;
        try
        {
            var (world, filter) = (Path.Combine(folder, "world"), Path.Combine(folder, "filter"));
            await SelfProcess.RunAsync(["world", "build", "--out", world, "--pairs", "1200"], cancellation);
            await SelfProcess.RunAsync(["filter", "--in", world, "--out", filter], cancellation);
            string[] Train(string output) => ["train", "--filter", filter, "--iterations", "1", "--steps0", $"{settings.Steps}", "--batch", $"{settings.Batch}",
                "--micro-batch", $"{settings.MicroBatch}", "--out", Path.Combine(folder, output)];
            var ratios = new List<double>();
            var (ranks, single) = (new List<double>(), new List<double>());
            for (var round = 1; round <= settings.Rounds; round++)
            {
                ranks.Add(await SelfProcess.RunTimedAsync(Train($"ranks-{round}"), settings.Ranks, threads: 1, cancellation));
                single.Add(await SelfProcess.RunTimedAsync(Train($"single-{round}"), ranks: 0, threads: settings.Ranks, cancellation));
                ratios.Add(ranks[^1] / single[^1]);
                AnsiConsole.MarkupLine($"round {round}: {settings.Ranks} ranks × 1 thread {ranks[^1]:F1} s, 1 process × {settings.Ranks} threads {single[^1]:F1} s, ratio {ratios[^1]:F2}");
            }
            AnsiConsole.MarkupLine($"ratio {settings.Ranks} ranks × 1 thread / 1 process × {settings.Ranks} threads = {PeerBench.Median(ratios):F2} (median of {settings.Rounds} per-round ratios, " +
                $"min {ratios.Min():F2}, max {ratios.Max():F2}); medians {PeerBench.Median(ranks):F1} s and {PeerBench.Median(single):F1} s whole process, Iter0 {settings.Steps} steps × {settings.Batch} pairs " +
                $"in micro-batches of {settings.MicroBatch}, the world's model");
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
