using System.ComponentModel;
using System.Globalization;
using Microsoft.Data.Analysis;
using SemiDpo.IO;
using SemiDpo.Reproduction;
using SemiDpo.Torch;
using SemiDpo.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo poly-sweep</c>: Poly-DPO for several α on the reproduction's world and budget; each α's clean-test
/// implicit accuracy (what a user selects on) beside the truth (mean utility, wins and losses against α = 0).
/// </summary>
public sealed class PolySweepCommand : Command<PolySweepCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--alphas <LIST>"), Description("Comma-separated α values (default: -1,0,1,2,4,8; α = 0, Diffusion-DPO, is always added).")]
        public string Alphas { get; init; } = string.Join(",", PolyAlphaSweep.DefaultAlphas.Select(a => a.ToString(CultureInfo.InvariantCulture)));

        [CommandOption("--seed <N>"), Description("Training seed (batch order, timesteps, noise).")]
        public int Seed { get; init; } = 1;

        [CommandOption("--quick"), Description("The quick reproduction's world and budget (a smoke run).")]
        public bool Quick { get; init; }

        [CommandOption("--out <DIR>"), Description("Folder for poly-sweep.csv (default: results/poly-sweep-<date>-<time>).")]
        public string? Out { get; init; }

        [CommandOption("--log-dir <DIR>"), Description("Also write TensorBoard event files here: one run per α (loss, implicit_acc, lr, raw_model_loss, ref_loss).")]
        public string? LogDir { get; init; }

        public IReadOnlyList<double> ParsedAlphas() =>
            Alphas.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(a => double.Parse(a, CultureInfo.InvariantCulture)).ToList();

        public override ValidationResult Validate()
        {
            try
            {
                var alphas = ParsedAlphas();
                if (alphas.Count == 0 || alphas.Any(a => !double.IsFinite(a))) return ValidationResult.Error("--alphas needs finite numbers, e.g. -1,0,1,2,4,8.");
                if (alphas.Distinct().Count() != alphas.Count) return ValidationResult.Error("--alphas names a value twice.");
            }
            catch (FormatException)
            {
                return ValidationResult.Error($"--alphas: '{Alphas}' is not a comma-separated list of numbers (use '.' for decimals).");
            }
            return Seed < 0 ? ValidationResult.Error("--seed must be ≥ 0.") : ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Init().ToString())}[/]");
        var config = settings.Quick ? ReproduceConfig.Quick : ReproduceConfig.Default;
        var semi = config.SemiDpo;
        var budget = semi.TotalBudget with { Seed = settings.Seed };
        var folder = settings.Out ?? Path.Combine("results", $"poly-sweep-{DateTime.Now:yyyyMMdd-HHmmss}");
        using var outputLock = OutputLock.Acquire(folder);
        var board = settings.LogDir is null ? null : new TensorBoardLog(settings.LogDir);
        IReadOnlyList<PolyAlphaRow>? rows = null;
        StageProgressBars.Run(progress =>
        {
            using var study = MiniatureStudy.Prepare(config.Study, TorchDevice.Default(), progress, cancellation);
            rows = PolyAlphaSweep.Run(study, settings.ParsedAlphas(), budget, semi.Confidence, progress, cancellation);
        }, board is null ? null : board.Report);
        var frame = new DataFrame(
            new DoubleDataFrameColumn("alpha", rows!.Select(r => r.Alpha)),
            new DoubleDataFrameColumn("clean-test accuracy", rows!.Select(r => r.CleanTestAccuracy)),
            new DoubleDataFrameColumn("true utility", rows!.Select(r => r.TrueUtility)),
            new DoubleDataFrameColumn("wins vs alpha 0", rows!.Select(r => r.WinsVsDpo)),
            new DoubleDataFrameColumn("loses vs alpha 0", rows!.Select(r => r.LosesVsDpo)));
        Tables.Print(frame, $"Poly-DPO α sweep (seed {settings.Seed}, {budget.Steps} steps each)", fractionsAsPercent: false);
        SemiDpo.Analysis.TableFiles.SaveCsv(frame, Path.Combine(folder, "poly-sweep.csv"));
        var chosen = PolyAlphaSweep.Chosen(rows!);
        var best = rows!.MaxBy(r => r.TrueUtility)!.Alpha;
        AnsiConsole.MarkupLine($"chosen on the clean test split: α = {chosen:G3}; best by the truth (mean utility): α = {best:G3}. Wrote {Markup.Escape(Path.Combine(folder, "poly-sweep.csv"))}");
        return 0;
    }
}
