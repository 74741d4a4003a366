using System.ComponentModel;
using System.Diagnostics;
using System.Text.RegularExpressions;
using SemiDpo.Cli.Common;
using SemiDpo.Data;
using SemiDpo.Rewards;
using SemiDpo.World.Judges;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Bench;

/// <summary>
/// <c>semidpo bench filter</c>: consensus filtering of N pre-scored synthetic pairs; prints pairs/s. With
/// <c>--streamed</c>: <c>semidpo filter --scores --index-only</c> in a child process over a Pick-a-Pic-shaped parquet and
/// a score file of N/10 and N pairs, printing each run's peak memory — it must not grow with N beyond a few bytes a pair.
/// </summary>
public sealed partial class BenchFilterCommand : AsyncCommand<BenchFilterCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--pairs <N>"), Description("Synthetic pairs (5 judges).")]
        public int Pairs { get; init; } = 1_000_000;

        [CommandOption("--repeats <N>"), Description("Timed repetitions (the best is reported).")]
        public int Repeats { get; init; } = 5;

        [CommandOption("--streamed"), Description("Peak memory of the streamed filter (files on disk, child process) at N/10 and N pairs.")]
        public bool Streamed { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        if (settings.Streamed) return await Streamed(settings.Pairs, cancellation);
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

    static async Task<int> Streamed(int pairs, CancellationToken cancellation)
    {
        var folder = Directory.CreateTempSubdirectory("semidpo-bench-filter-").FullName;
        try
        {
            var table = new Table().AddColumns("pairs", "input files", "wall s", "peak memory MB");
            var peaks = new List<long>();
            foreach (var n in new[] { pairs / 10, pairs })
            {
                var (data, scores) = await WriteInputs(folder, n, cancellation);
                var size = (new FileInfo(data).Length + new FileInfo(scores).Length) >> 20;
                var clock = Stopwatch.StartNew();
                var output = await SelfProcess.RunAsync(["filter", "--in", data, "--scores", scores, "--index-only", "--out", Path.Combine(folder, "out")], cancellation);
                var peak = long.Parse(PeakLine().Match(output).Groups[1].Value);
                peaks.Add(peak);
                table.AddRow($"{n:N0}", $"{size:N0} MB", $"{clock.Elapsed.TotalSeconds:F1}", $"{peak:N0}");
                File.Delete(data);
                File.Delete(scores);
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"growth from {pairs / 10:N0} to {pairs:N0} pairs: {(peaks[1] - peaks[0]) * 1048576.0 / (pairs - pairs / 10):F0} bytes per pair " +
                "[grey](peak = the child's peak working set: runtime, libraries and the index arrays)[/]");
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A Pick-a-Pic-shaped parquet of n pairs (1-byte images: the streamed filter never reads them) and a 5-judge score file.</summary>
    static async Task<(string Data, string Scores)> WriteInputs(string folder, int n, CancellationToken cancellation)
    {
        var rng = new Random(n);
        var data = Path.Combine(folder, $"pairs-{n}.parquet");
        await using (var stream = File.Create(data))
        await using (var writer = await PickapicWriter.CreateAsync(stream, withTruth: false))
        {
            for (var start = 0; start < n; start += 65_536)
            {
                cancellation.ThrowIfCancellationRequested();
                var rows = Enumerable.Range(start, Math.Min(65_536, n - start)).Select(i =>
                {
                    var r = rng.NextDouble();
                    var (l0, l1) = r < 0.12 ? (0.5, 0.5) : r < 0.56 ? (1.0, 0.0) : (0.0, 1.0);
                    return new EncodedPair(i, "a prompt", [1], [2], l0, l1, new PairMetadata(), null);
                }).ToList();
                await writer.WriteRowGroupAsync(rows);
            }
        }
        var scores = Path.Combine(folder, $"scores-{n}.jsonl");
        await using (var file = new StreamWriter(scores))
            for (var i = 0; i < n; i++)
                await file.WriteLineAsync(ScoreJsonl.Line(i, JudgePanel.PaperOrder.Select(j => (j, rng.NextSingle(), rng.NextSingle()))));
        return (data, scores);
    }

    [GeneratedRegex(@"peak memory (\d+) MB")]
    private static partial Regex PeakLine();
}
