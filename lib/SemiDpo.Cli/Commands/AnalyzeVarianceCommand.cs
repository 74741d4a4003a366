using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using SemiDpo.Analysis;
using SemiDpo.Losses;
using SemiDpo.Method;
using SemiDpo.Preferences;
using SemiDpo.Rewards;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World.Judges;
using SemiDpo.World.Model;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo analyze variance</c>: the paper's variance bound next to the variance measured on per-pair gradients of a
/// trained model, for clean, noisy and pseudo-labelled pairs, per timestep and dimension of the truth.
/// </summary>
public sealed class AnalyzeVarianceCommand : AsyncCommand<AnalyzeVarianceCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <FILE>"), Description("The trained policy (Iter0: the model that pseudo-labels Iter1).")]
        public string Model { get; init; } = Path.Combine("results", "train", "iter0.ckpt");

        [CommandOption("--filter <DIR>"), Description("Folder written by `semidpo filter`.")]
        public string Filter { get; init; } = Path.Combine("data", "cache", "filter");

        [CommandOption("--pairs <N>"), Description("Pairs per subset (clean and noisy), one backward each per timestep.")]
        public int Pairs { get; init; } = new VarianceConfig().PairsPerSubset;

        [CommandOption("--judges <DIR>"), Description("Judge weights folder (each judge is a dimension too).")]
        public string Judges { get; init; } = Path.Combine("data", "judges");

        [CommandOption("--out <FILE>"), Description("CSV of every row.")]
        public string Out { get; init; } = Path.Combine("results", "variance.csv");

        [CommandOption("--skip-bad-rows"), Description("Leave out pairs with a missing caption, bad labels or undecodable images (counted) instead of stopping at the first.")]
        public bool SkipBadRows { get; init; }

        [CommandOption("--device <DEVICE>"), Description("cpu, cuda or cuda:N.")]
        public string? Device { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Init().ToString())}[/]");
        var device = TorchDevice.Default(settings.Device);
        var clock = Stopwatch.StartNew();
        using var reference = BaseModelFile.Load(device: device);
        using var policy = DiffusionModel.Load(settings.Model, device);
        var skipped = new Data.SkippedRows();
        using var data = await StageTwoData.LoadAsync(new ConsensusFiles(settings.Filter), policy.Tokenizer, cancellation, options: new Data.PickapicReadOptions(settings.SkipBadRows), skipped: skipped);
        if (skipped.Count > 0) AnsiConsole.MarkupLine("[yellow]" + Markup.Escape($"bad rows skipped: {skipped}") + "[/]");
        var config = new VarianceConfig(PairsPerSubset: settings.Pairs);
        using var clean = data.CleanTrain.Subset(settings.Pairs, config.Seed);
        using var noisy = data.Unlabeled.Subset(settings.Pairs, config.Seed + 1);
        List<VarianceRow> rows = [];
        AnsiConsole.Status().Start("confidence and thresholds for the pseudo-labels", status =>
        {
            var scorer = new ConfidenceScorer(new DiffusionDpoLoss(), new ConfidenceConfig());
            var zNoisy = scorer.Score(policy, reference, noisy);
            var thresholds = ThresholdSchedule.Fit(new ThresholdConfig(), scorer.Score(policy, reference, data.CleanTest), zNoisy);
            rows = new VarianceAnalysis(config).Run(policy, reference, clean, noisy, zNoisy, thresholds,
                progress: new InlineProgress<string>(s => status.Status($"per-pair gradients, {s}")),
                judges: JudgePanel.Load(settings.Judges, device).Judges);
        });
        var frame = VarianceAnalysis.ToFrame(rows);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.Out))!);
        SemiDpo.Analysis.TableFiles.SaveCsv(frame, settings.Out);
        var summary = new Table { Title = new TableTitle("means over timesteps") }.AddColumns("subset", "dimension", "p_c", Markup.Escape("Var[ξ] measured"), "bound", "bound / measured");
        foreach (var group in rows.GroupBy(r => (r.Subset, r.Dimension)))
            summary.AddRow(group.Key.Subset, group.Key.Dimension,
                group.Average(r => r.Result.PConflict).ToString("P1", CultureInfo.InvariantCulture),
                group.Average(r => r.Result.Measured).ToString("G3", CultureInfo.InvariantCulture),
                group.Average(r => r.Result.Bound).ToString("G3", CultureInfo.InvariantCulture),
                group.Average(r => r.Result.Bound / r.Result.Measured).ToString("F2", CultureInfo.InvariantCulture));
        AnsiConsole.Write(summary);
        AnsiConsole.MarkupLine($"{rows.Count} rows in {Markup.Escape(settings.Out)}; {clock.Elapsed.TotalSeconds:F0} s");
        return 0;
    }
}
