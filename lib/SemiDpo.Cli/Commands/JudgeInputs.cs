using System.ComponentModel;
using SemiDpo.Cli.Common;
using SemiDpo.Data;
using SemiDpo.Rewards;
using SemiDpo.Torch;
using SemiDpo.World.Judges;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>Options shared by the Stage-1 commands: which pairs, and which scores (judges or score files).</summary>
public class JudgeInputSettings : CommandSettings
{
    [CommandOption("--in <PATH>"), Description("Pairs: a world folder, a Pick-a-Pic style parquet file, a folder of shards or a glob (\"pickapic/train-*.parquet\").")]
    public string In { get; init; } = WorldFiles.DefaultFolder;

    [CommandOption("--skip-bad-rows"), Description("Leave out rows with a missing caption, bad labels, undecodable images or no score (counted, listed in skipped-rows.csv) instead of stopping at the first.")]
    public bool SkipBadRows { get; init; }

    [CommandOption("--judges <DIR>"), Description("Folder of the trained judges (weights + manifest.json).")]
    public string Judges { get; init; } = Path.Combine("data", "judges");

    [CommandOption("--scores <FILE>"), Description("Use scores computed elsewhere (jsonl {\"row\": i, \"<model>\": [[s0, s1]]}, or CSV / parquet with row,<model>_0,<model>_1) instead of running the judges. Repeatable; a glob (\"scores_rank*.jsonl\") takes every shard.")]
    public string[] Scores { get; init; } = [];

    [CommandOption("--device <DEVICE>"), Description("cpu, cuda or cuda:N (default: cuda when available).")]
    public string? Device { get; init; }

    /// <summary>The world's pairs file for a world folder, else <see cref="In"/> as given (file, folder of shards or glob).</summary>
    public string PairsPath => Directory.Exists(In) && File.Exists(new WorldFiles(In).Pairs) ? new WorldFiles(In).Pairs : In;
}

/// <summary>Loads pairs and their scores for the Stage-1 commands.</summary>
internal static class JudgeInputs
{
    public static Task<PickapicShards> Open(JudgeInputSettings settings, CancellationToken cancellation) =>
        PickapicShards.OpenAsync(settings.PairsPath, new PickapicReadOptions(settings.SkipBadRows), cancellation);

    /// <summary>Every valid pair, decoded, with the source they came from (its counts of skipped and excluded rows).</summary>
    public static async Task<(List<PreferencePair> Pairs, PickapicShards Source)> LoadPairs(JudgeInputSettings settings, CancellationToken cancellation)
    {
        var source = await Open(settings, cancellation);
        List<PreferencePair> pairs = [];
        await AnsiConsole.Status().StartAsync(Markup.Escape($"reading {settings.PairsPath}"), async _ =>
            pairs = await source.ReadPairsAsync(cancellation).ToListAsync(cancellation));
        Report(source);
        return (pairs, source);
    }

    /// <summary>Prints the rows left out (nothing when none were).</summary>
    public static void Report(PickapicShards source)
    {
        if (source.Excluded.Count > 0) AnsiConsole.MarkupLine(Markup.Escape($"left out by design: {source.Excluded}"));
        if (source.Skipped.Count > 0) AnsiConsole.MarkupLine("[yellow]" + Markup.Escape($"bad rows skipped: {source.Skipped}") + "[/]");
    }

    /// <summary>The pairs' scores: from the score files (matched by row) or by running the judges.</summary>
    public static ScoreTable Scores(JudgeInputSettings settings, IReadOnlyList<PreferencePair> pairs, PickapicShards source)
    {
        if (settings.Scores.Length > 0)
        {
            var files = ScoreFiles.Expand(settings.Scores);
            source.CheckIdx(ScoreFiles.LargestRow(files), string.Join(", ", files));
            return ScoreFiles.Read(files, [.. pairs.Select(p => p.Row)]);
        }
        TorchRuntime.Init();
        var committee = JudgePanel.Load(settings.Judges, TorchDevice.Default(settings.Device));
        ScoreTable? scores = null;
        AnsiConsole.Progress().Start(ctx =>
        {
            var task = ctx.AddTask($"scoring {pairs.Count:N0} pairs with {committee.Judges.Count} judges", maxValue: committee.Judges.Count);
            scores = committee.Score(pairs, new Progress<string>(_ => task.Increment(1)));
            task.Value = task.MaxValue;
        });
        return scores!;
    }
}
