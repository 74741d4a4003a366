using System.ComponentModel;
using System.Diagnostics;
using SemiDpo.Rewards;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary><c>semidpo bench filter</c>: consensus filtering of N pre-scored synthetic pairs; prints pairs/s.</summary>
public sealed class BenchFilterCommand : Command<BenchFilterCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--pairs <N>"), Description("Synthetic pairs (5 judges).")]
        public int Pairs { get; init; } = 1_000_000;

        [CommandOption("--repeats <N>"), Description("Timed repetitions (the best is reported).")]
        public int Repeats { get; init; } = 5;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var rng = new Random(1);
        var label0 = new double[settings.Pairs];
        var label1 = new double[settings.Pairs];
        for (var i = 0; i < settings.Pairs; i++)
        {
            var r = rng.NextDouble();
            (label0[i], label1[i]) = r < 0.12 ? (0.5, 0.5) : r < 0.56 ? (1, 0) : (0, 1);
        }
        var judges = JudgePanel.PaperOrder;
        float[] Column() { var c = new float[settings.Pairs]; for (var i = 0; i < c.Length; i++) c[i] = rng.NextSingle(); return c; }
        var scores = new ScoreTable(judges, judges.Select(_ => Column()).ToArray(), judges.Select(_ => Column()).ToArray());

        var times = new List<double>();
        ConsensusSplit? split = null;
        for (var r = 0; r < settings.Repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            split = ConsensusFilter.Split(label0, label1, scores);
            times.Add(clock.Elapsed.TotalSeconds);
        }
        var best = times.Min();
        AnsiConsole.MarkupLine($"consensus filter, {settings.Pairs:N0} pairs × {judges.Count} judges: best {best * 1000:F0} ms of {settings.Repeats} " +
            $"(median {times.Order().ElementAt(times.Count / 2) * 1000:F0} ms) = {settings.Pairs / best:N0} pairs/s; clean {split!.CleanFraction:P1}");
        return 0;
    }
}
