using System.ComponentModel;
using System.Globalization;
using SemiDpo.Alignment;
using SemiDpo.Diffusion;
using SemiDpo.IO;
using SemiDpo.Rewards;
using SemiDpo.Torch;
using SemiDpo.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo confidence</c>: one stage of Stage 2 on its own — z⁽ᵗ⁾ of a trained model against a reference for the
/// clean test and unlabeled pairs, the per-interval thresholds, and the pseudo-labels they give (counts and precision).
/// </summary>
public sealed class ConfidenceCommand : AsyncCommand<ConfidenceCommand.Settings>
{
    public sealed class Settings : ThresholdSettings
    {
        [CommandOption("--model <FILE>"), Description("The trained model (e.g. results/train/iter0.ckpt).")]
        public string Model { get; init; } = "";

        [CommandOption("--reference <FILE>"), Description("The reference model (default: the base model, as the official code).")]
        public string Reference { get; init; } = BaseModelFile.DefaultPath;

        [CommandOption("--filter <DIR>"), Description("Folder written by `semidpo filter`.")]
        public string Filter { get; init; } = Path.Combine("data", "cache", "filter");

        [CommandOption("--out <DIR>"), Description("Writes z-test.csv, z-unlabeled.csv (pair × anchor) and thresholds.csv here.")]
        public string Out { get; init; } = Path.Combine("results", "confidence");

        [CommandOption("--unlabeled-sample <N>"), Description("Score at most N unlabeled pairs (0 = all).")]
        public int UnlabeledSample { get; init; }

        [CommandOption("--noise-draws <N>"), Description("Noise draws per pair, each reused at all anchors (official: 1).")]
        public int NoiseDraws { get; init; } = new ConfidenceConfig().NoiseDraws;

        [CommandOption("--beta <B>"), Description("DPO β (official Semi-DPO convention).")]
        public double Beta { get; init; } = DiffusionDpoLoss.OfficialBeta;

        [CommandOption("--skip-bad-rows"), Description("Leave out pairs with a missing caption, bad labels or undecodable images (counted) instead of stopping at the first.")]
        public bool SkipBadRows { get; init; }

        [CommandOption("--device <DEVICE>"), Description("cpu, cuda or cuda:N.")]
        public string? Device { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model is required.")
            : NoiseDraws < 1 ? ValidationResult.Error("--noise-draws must be at least 1.")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Init().ToString())}[/]");
        var device = TorchDevice.Default(settings.Device);
        using var model = DiffusionModel.Load(settings.Model, device);
        using var reference = BaseModelFile.LoadAny(settings.Reference, device);
        var skipped = new Data.SkippedRows();
        using var data = await StageTwoData.LoadAsync(new ConsensusFiles(settings.Filter), model.Tokenizer, cancellation, options: new Data.PickapicReadOptions(settings.SkipBadRows), skipped: skipped);
        if (skipped.Count > 0) AnsiConsole.MarkupLine("[yellow]" + Markup.Escape($"bad rows skipped: {skipped}") + "[/]");
        var unlabeled = settings.UnlabeledSample > 0 && settings.UnlabeledSample < data.Unlabeled.Count
            ? data.Unlabeled.Subset(settings.UnlabeledSample, new ConfidenceConfig().Seed) : data.Unlabeled;
        var scorer = new ConfidenceScorer(new DiffusionDpoLoss(settings.Beta), new ConfidenceConfig(NoiseDraws: settings.NoiseDraws));
        ConfidenceTable zTest = null!, zUnlabeled = null!;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()).Start(ctx =>
        {
            var testTask = ctx.AddTask("clean test pairs", maxValue: data.CleanTest.Count);
            var unlabeledTask = ctx.AddTask("unlabeled pairs", maxValue: unlabeled.Count);
            zTest = scorer.Score(model, reference, data.CleanTest, new InlineProgress<(int Done, int Total)>(p => testTask.Value = p.Done), cancellation);
            zUnlabeled = scorer.Score(model, reference, unlabeled, new InlineProgress<(int Done, int Total)>(p => unlabeledTask.Value = p.Done), cancellation);
        });
        var thresholds = ThresholdSchedule.Fit(settings.ToThresholdConfig(), zTest, zUnlabeled, unlabeled.HumanIsTrue);
        var labels = PseudoLabeler.Label(zUnlabeled, thresholds);
        Directory.CreateDirectory(settings.Out);
        WriteZ(Path.Combine(settings.Out, "z-test.csv"), zTest);
        WriteZ(Path.Combine(settings.Out, "z-unlabeled.csv"), zUnlabeled);
        var frame = ThresholdTable.ToFrame(thresholds);
        SemiDpo.Analysis.TableFiles.SaveCsv(frame, Path.Combine(settings.Out, "thresholds.csv"));
        Tables.Print(frame, "thresholds per timestep interval (Table 7 analogue)", true, "percentile", "tau");
        AnsiConsole.MarkupLine($"pseudo-labelled: {labels.PairsAccepted:N0} of {unlabeled.Count:N0} unlabeled pairs ({labels.SlotsAccepted:N0} pair-intervals); wrote {Markup.Escape(settings.Out)}");
        return 0;
    }

    static void WriteZ(string path, ConfidenceTable z) =>
        CsvFile.Write(path, [.. Enumerable.Range(0, TimestepIntervals.Count).Select(j => $"z_t{TimestepIntervals.Anchor(j)}").Prepend("pair")],
            Enumerable.Range(0, z.Pairs).Select(i => Enumerable.Range(0, TimestepIntervals.Count).Select(j => (object?)z.Z[i, j]).Prepend(i)));
}
