using System.ComponentModel;
using System.Diagnostics;
using SemiDpo.Cli.Common;
using SemiDpo.Data;
using SemiDpo.World;
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

        [CommandOption("--skip-bad-rows"), Description("Leave out rows with a missing caption, bad labels or undecodable images (counted) instead of stopping at the first.")]
        public bool SkipBadRows { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var path = Directory.Exists(settings.In) ? new WorldFiles(settings.In).Pairs : settings.In;
        var clock = Stopwatch.StartNew();
        await using var reader = await PickapicReader.OpenAsync(path, new PickapicReadOptions(settings.SkipBadRows), cancellation);
        // Streams row group by row group: only the statistics' accumulators stay in memory.
        var stats = WorldStats.Compute(reader.ReadPairsAsync(cancellation).ToBlockingEnumerable(cancellation));
        var seconds = clock.Elapsed.TotalSeconds;

        Tables.Print(stats.ToFrame(), "Is it Pick-a-Pic-like?");
        Tables.Print(stats.GeneratorFrame(), "Mean oracle scores per generator (model_0 / model_1)", fractionsAsPercent: false);
        AnsiConsole.MarkupLine($"read {stats.Pairs:N0} pairs in {seconds:F1} s ({stats.Pairs / seconds:N0} pairs/s, images decoded), peak memory {Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0:F0} MB; " +
            Markup.Escape($"left out by design: {reader.Excluded}; bad rows skipped: {reader.Skipped}"));
        return 0;
    }

}
