using System.ComponentModel;
using System.Globalization;
using SemiDpo.Official;
using SemiDpo.Rewards;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary><c>semidpo filter</c>: multi-reward consensus filtering into clean-train / clean-test / noisy files.</summary>
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

        public override ValidationResult Validate() =>
            TestFraction is < 0 or >= 1 ? ValidationResult.Error("--test-fraction must be in [0, 1).") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var pairs = await JudgeInputs.LoadPairs(settings, cancellation);
        var scores = JudgeInputs.Scores(settings, pairs);
        var split = ConsensusFilter.Split(pairs.Select(p => p.Label0).ToArray(), pairs.Select(p => p.Label1).ToArray(), scores,
            new ConsensusConfig(TestFraction: settings.TestFraction, Seed: settings.Seed));
        var files = new ConsensusFiles(settings.Out);
        var stats = await files.WriteAsync(pairs, split);
        ScoreFiles.WriteJsonl(files.Scores, scores);
        ConsensusIndexFiles.Write(settings.Out, split);

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
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(settings.Out)}/{{clean-train,clean-test,noisy}}.parquet, scores.jsonl, filter-stats.json; the official pipeline's clean_idx.json and stats.json");
        return 0;
    }
}
