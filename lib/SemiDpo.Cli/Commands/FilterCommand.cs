using System.ComponentModel;
using System.Globalization;
using SemiDpo.Data;
using SemiDpo.IO;
using SemiDpo.Official;
using SemiDpo.Rewards;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo filter</c>: multi-reward consensus filtering into clean-train / clean-test / noisy files. With
/// <c>--scores</c> it streams: labels are read without images, votes kept as bits, and the subsets copied a row group
/// at a time without decoding — memory does not grow with the images, only with a few bytes per pair.
/// </summary>
public sealed class FilterCommand : AsyncCommand<FilterCommand.Settings>
{
    public sealed class Settings : JudgeInputSettings
    {
        [CommandOption("--out <DIR>"), Description("Folder for clean-train/clean-test/noisy parquet, scores.jsonl and filter-stats.json.")]
        public string Out { get; init; } = Path.Combine("data", "cache", "filter");

        [CommandOption("--test-fraction <F>"), Description("Share of the clean pairs held out as the clean test split.")]
        public double TestFraction { get; init; } = new ConsensusConfig().TestFraction;

        [CommandOption("--seed <S>"), Description("Seed of the clean test split.")]
        public int Seed { get; init; } = new ConsensusConfig().Seed;

        [CommandOption("--index-only"), Description("With --scores: write only the index files (clean_idx.json, stats.json, filter-stats.json), not parquet copies of the subsets.")]
        public bool IndexOnly { get; init; }

        public override ValidationResult Validate()
        {
            if (TestFraction is < 0 or >= 1) return ValidationResult.Error("--test-fraction must be in [0, 1).");
            if (IndexOnly && Scores.Length == 0) return ValidationResult.Error("--index-only needs --scores (running the judges reads the images anyway).");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var config = new ConsensusConfig(TestFraction: settings.TestFraction, Seed: settings.Seed);
        var files = new ConsensusFiles(settings.Out);
        using var outputLock = OutputLock.Acquire(settings.Out);
        var (split, stats, rows, source) = settings.Scores.Length > 0
            ? await FromScoreFiles(settings, config, files, cancellation)
            : await WithJudges(settings, config, files, cancellation);
        stats = stats with
        {
            RowsRead = source.RowCount,
            ExcludedRows = source.Excluded.Count > 0 ? source.Excluded.ByReason : null,
            SkippedRows = source.Skipped.Count > 0 ? source.Skipped.ByReason : null,
        };
        files.WriteStats(stats);
        ConsensusIndexFiles.Write(settings.Out, split, rows);
        var leftOut = new SkippedRows();
        foreach (var row in source.Excluded.Rows.Concat(source.Skipped.Rows)) leftOut.Add(row);
        if (leftOut.Count > 0) leftOut.WriteCsv(files.SkippedRowsCsv);
        else File.Delete(files.SkippedRowsCsv);

        var table = new Table().AddColumns("", "pairs", "share");
        string Pct(double v) => v.ToString("P1", CultureInfo.InvariantCulture);
        table.AddRow("all", stats.Pairs.ToString("N0", CultureInfo.InvariantCulture), "");
        table.AddRow("ties dropped", stats.Ties.ToString("N0", CultureInfo.InvariantCulture), Pct((double)stats.Ties / stats.Pairs));
        table.AddRow("clean train", stats.CleanTrain.ToString("N0", CultureInfo.InvariantCulture), "");
        table.AddRow("clean test", stats.CleanTest.ToString("N0", CultureInfo.InvariantCulture), "");
        table.AddRow("clean (of non-tie)", (stats.CleanTrain + stats.CleanTest).ToString("N0", CultureInfo.InvariantCulture), Pct(stats.CleanFraction) + " (paper ≈ 21 %)");
        table.AddRow("noisy", stats.Noisy.ToString("N0", CultureInfo.InvariantCulture), "");
        AnsiConsole.Write(table);
        var judges = new Table().AddColumns("judge", "agrees with human label");
        foreach (var (judge, share) in stats.JudgeAgreesWithHuman) judges.AddRow(judge, Pct(share));
        AnsiConsole.Write(judges);
        if (stats.RawLabelAccuracy is { } raw)
            AnsiConsole.MarkupLine($"label accuracy vs true preference: all {Pct(raw)}, clean {Pct(stats.CleanLabelAccuracy!.Value)}, noisy {Pct(stats.NoisyLabelAccuracy!.Value)}");
        JudgeInputs.Report(source);
        var written = settings.IndexOnly ? "filter-stats.json" : settings.Scores.Length > 0 ? "{clean-train,clean-test,noisy}.parquet, filter-stats.json" : "{clean-train,clean-test,noisy}.parquet, scores.jsonl, filter-stats.json";
        AnsiConsole.MarkupLine(Markup.Escape($"wrote {settings.Out}/{written}; the official pipeline's clean_idx.json and stats.json" + (leftOut.Count > 0 ? "; the rows left out in skipped-rows.csv" : "")));
        AnsiConsole.MarkupLine($"[grey]peak memory {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MB[/]");
        return 0;
    }

    /// <summary>Judges need the images: every pair is decoded and held, scored, split, and written with its scores.</summary>
    static async Task<(ConsensusSplit, ConsensusStats, long[], PickapicShards)> WithJudges(Settings settings, ConsensusConfig config, ConsensusFiles files, CancellationToken cancellation)
    {
        var (pairs, source) = await JudgeInputs.LoadPairs(settings, cancellation);
        var scores = JudgeInputs.Scores(settings, pairs, source);
        var split = ConsensusFilter.Split(pairs.Select(p => p.Label0).ToArray(), pairs.Select(p => p.Label1).ToArray(), scores, config);
        var stats = await files.WriteAsync(pairs, split);
        long[] rows = [.. pairs.Select(p => p.Row)];
        ScoreFiles.WriteJsonl(files.Scores, scores, rows);
        return (split, stats, rows, source);
    }

    /// <summary>Scores from files: a label-only pass, votes streamed from the score files, then (unless --index-only) a copying pass.</summary>
    static async Task<(ConsensusSplit, ConsensusStats, long[], PickapicShards)> FromScoreFiles(Settings settings, ConsensusConfig config, ConsensusFiles files, CancellationToken cancellation)
    {
        var source = await JudgeInputs.Open(settings, cancellation);
        var scoreFiles = ScoreFiles.Expand(settings.Scores);
        StreamedConsensusResult result = null!;
        await AnsiConsole.Status().StartAsync(Markup.Escape($"reading the labels of {source.RowCount:N0} rows in {source.Files.Count} file(s) and {scoreFiles.Count} score file(s)"), async _ =>
            result = await StreamedConsensus.RunAsync(source, scoreFiles, config, settings.SkipBadRows ? source.Skipped : null, cancellation));
        var (split, rowArray, stats) = (result.Split, result.Rows, result.Stats);
        if (result.Unmatched > 0)
            AnsiConsole.MarkupLine(Markup.Escape($"{result.Unmatched:N0} score lines name rows that are not among the pairs (rows left out here by design or as bad): ignored"));
        if (!settings.IndexOnly)
        {
            var copy = await JudgeInputs.Open(settings, cancellation);
            await AnsiConsole.Status().StartAsync("copying the clean and noisy pairs", async _ =>
                await files.WriteSubsetsAsync(copy.ReadEncodedAsync(withImages: true, cancellation), copy.HasTruth, split, rowArray, cancellation));
        }
        return (split, stats, rowArray, source);
    }
}
