using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using SemiDpo.Data;
using SemiDpo.Data.World;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary><c>semidpo world stats</c>: reads a world back (streaming) and prints how Pick-a-Pic-like it is.</summary>
public sealed class WorldStatsCommand : AsyncCommand<WorldStatsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--in <PATH>"), Description("A world folder or a parquet file with ground-truth columns.")]
        public string In { get; init; } = WorldFiles.DefaultFolder;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var path = Directory.Exists(settings.In) ? new WorldFiles(settings.In).Pairs : settings.In;
        var clock = Stopwatch.StartNew();
        await using var reader = await PickapicReader.OpenAsync(path, cancellation: cancellation);
        var stats = WorldStats.Compute(await Stream(reader, cancellation));
        var seconds = clock.Elapsed.TotalSeconds;

        var summary = new Table().AddColumns("statistic", "value", "Pick-a-Pic v2 / target");
        summary.AddRow("pairs", stats.Pairs.ToString("N0", CultureInfo.InvariantCulture), "851,293 non-tie pairs");
        summary.AddRow("distinct prompts", stats.Prompts.ToString("N0", CultureInfo.InvariantCulture), "58,960");
        summary.AddRow("annotators", stats.Annotators.ToString(CultureInfo.InvariantCulture), "");
        summary.AddRow("ties", Pct(stats.TieShare), "≈ 12 %");
        summary.AddRow("human label = true preference (non-ties)", Pct(stats.HumanAgreesWithTruth), "65–75 %");
        summary.AddRow($"pairs trading dimensions (|Δ| > {WorldStats.TradeOffMargin})", Pct(stats.TradeOffShare), "a meaningful share");
        foreach (var (dimension, share) in stats.HumanAgreesWithDimension)
            summary.AddRow($"human label = {dimension.ToString().ToLowerInvariant()} winner", Pct(share), "");
        AnsiConsole.Write(summary);

        var models = new Table().AddColumns("model", "images", "alignment", "aesthetics", "detail", "utility");
        foreach (var g in stats.Generators)
            models.AddRow(g.Model, g.Images.ToString(CultureInfo.InvariantCulture), F(g.Alignment), F(g.Aesthetics), F(g.Detail), F(g.Utility));
        AnsiConsole.Write(models);
        AnsiConsole.MarkupLine($"read {stats.Pairs:N0} pairs in {seconds:F1} s ({stats.Pairs / seconds:N0} pairs/s, images decoded), peak memory {Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0:F0} MB");
        return 0;
    }

    /// <summary>Drains the async stream row group by row group; only the statistics' accumulators stay in memory.</summary>
    static Task<IEnumerable<PreferencePair>> Stream(PickapicReader reader, CancellationToken cancellation) =>
        Task.FromResult(reader.ReadPairsAsync(cancellation).ToBlockingEnumerable(cancellation));

    static string Pct(double v) => double.IsNaN(v) ? "–" : v.ToString("P1", CultureInfo.InvariantCulture);
    static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
}
