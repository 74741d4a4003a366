using System.ComponentModel;
using System.Globalization;
using Microsoft.Data.Analysis;
using SemiDpo.Cli.Common;
using SemiDpo.IO;
using SemiDpo.Reproduction;
using SemiDpo.Torch;
using SemiDpo.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo sweep</c>: Poly-DPO's α or cDPO's ε over several values on the reproduction's world and budget; each
/// value's clean-test implicit accuracy (what a user selects on) beside the truth (mean utility, wins and losses
/// against the value 0, which is Diffusion-DPO).
/// </summary>
public sealed class SweepCommand : Command<SweepCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--method <M>"), Description("poly (Poly-DPO's α) | cdpo (cDPO's label smoothing ε).")]
        public string Method { get; init; } = "poly";

        [CommandOption("--values <LIST>"), Description("Comma-separated values (default: poly -1,0,1,2,4,8; cdpo 0,0.05,0.1,0.2,0.3; 0, Diffusion-DPO, is always added).")]
        public string? Values { get; init; }

        [CommandOption("--seed <N>"), Description("Training seed (batch order, timesteps, noise).")]
        public int Seed { get; init; } = 1;

        [CommandOption("--quick"), Description("The quick reproduction's world and budget (a smoke run).")]
        public bool Quick { get; init; }

        [CommandOption("--out <DIR>"), Description("Folder for sweep-<method>.csv (default: results/sweep-<method>-<date>-<time>).")]
        public string? Out { get; init; }

        [CommandOption("--log-dir <DIR>"), Description("Also write TensorBoard event files here: one run per value (loss, implicit_acc, lr, raw_model_loss, ref_loss).")]
        public string? LogDir { get; init; }

        public SweptParameter Parameter => Method == "cdpo" ? SweptParameter.CdpoEpsilon : SweptParameter.PolyAlpha;

        public IReadOnlyList<double> ParsedValues() => Values is null
            ? BaselineSweep.DefaultValues(Parameter)
            : Values.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(a => double.Parse(a, CultureInfo.InvariantCulture)).ToList();

        public override ValidationResult Validate()
        {
            if (Method is not ("poly" or "cdpo")) return ValidationResult.Error($"--method: unknown '{Method}'; known: poly, cdpo.");
            try
            {
                var values = ParsedValues();
                if (values.Count == 0 || values.Any(a => !double.IsFinite(a))) return ValidationResult.Error("--values needs finite numbers, e.g. -1,0,1,2,4,8.");
                if (values.Distinct().Count() != values.Count) return ValidationResult.Error("--values names a value twice.");
                foreach (var value in values) BaselineSweep.At(Parameter, value, 1);   // cDPO refuses ε outside [0, 0.5)
            }
            catch (FormatException)
            {
                return ValidationResult.Error($"--values: '{Values}' is not a comma-separated list of numbers (use '.' for decimals).");
            }
            catch (ArgumentException e)
            {
                return ValidationResult.Error("--values: " + ExitCodes.OneLine(e.Message));
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
        var folder = settings.Out ?? Path.Combine("results", $"sweep-{settings.Method}-{DateTime.Now:yyyyMMdd-HHmmss}");
        using var outputLock = OutputLock.Acquire(folder);
        var board = settings.LogDir is null ? null : new TensorBoardLog(settings.LogDir);
        var symbol = BaselineSweep.Symbol(settings.Parameter);
        IReadOnlyList<SweepRow>? rows = null;
        StageProgressBars.Run(progress =>
        {
            using var study = MiniatureStudy.Prepare(config.Study, TorchDevice.Default(), progress, cancellation);
            rows = BaselineSweep.Run(study, settings.Parameter, settings.ParsedValues(), budget, semi.Confidence, progress, cancellation);
        }, board is null ? null : board.Report);
        var frame = new DataFrame(
            new DoubleDataFrameColumn(settings.Parameter == SweptParameter.PolyAlpha ? "alpha" : "epsilon", rows!.Select(r => r.Value)),
            new DoubleDataFrameColumn("clean-test accuracy", rows!.Select(r => r.CleanTestAccuracy)),
            new DoubleDataFrameColumn("true utility", rows!.Select(r => r.TrueUtility)),
            new DoubleDataFrameColumn("wins vs 0 (Diffusion-DPO)", rows!.Select(r => r.WinsVsDpo)),
            new DoubleDataFrameColumn("loses vs 0 (Diffusion-DPO)", rows!.Select(r => r.LosesVsDpo)));
        var method = settings.Parameter == SweptParameter.PolyAlpha ? "Poly-DPO" : "cDPO";
        Tables.Print(frame, $"{method} {symbol} sweep (seed {settings.Seed}, {budget.Steps} steps each)", fractionsAsPercent: false);
        var file = Path.Combine(folder, $"sweep-{settings.Method}.csv");
        SemiDpo.Analysis.TableFiles.SaveCsv(frame, file);
        var chosen = BaselineSweep.Chosen(rows!);
        var best = rows!.MaxBy(r => r.TrueUtility)!.Value;
        AnsiConsole.MarkupLine($"chosen on the clean test split: {symbol} = {chosen:G3}; best by the truth (mean utility): {symbol} = {best:G3}. Wrote {Markup.Escape(file)}");
        return 0;
    }
}
