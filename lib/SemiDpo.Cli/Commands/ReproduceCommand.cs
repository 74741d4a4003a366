using System.ComponentModel;
using SemiDpo.Baselines;
using SemiDpo.Charts;
using SemiDpo.Cli.Common;
using SemiDpo.Health;
using SemiDpo.IO;
using SemiDpo.Method;
using SemiDpo.Reproduction;
using SemiDpo.Torch;
using SemiDpo.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo reproduce</c>: the whole miniature reproduction — world → judges → consensus filter → Iter0/1/2 and the
/// baselines → evaluation → the paper's tables (CSV + Markdown beside the published numbers) and charts (HTML).
/// </summary>
public sealed class ReproduceCommand : Command<ReproduceCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--quick"), Description("Smoke run of every stage with the default's arms (a 600-pair world, a few steps, 32 prompts): under 2 minutes, too short for conclusions.")]
        public bool Quick { get; init; }

        [CommandOption("--seeds <N>"), Description("Run N training seeds (1…N) and report mean ± sd and how many seeds Semi-DPO wins.")]
        public int Seeds { get; init; } = 1;

        [CommandOption("--out <DIR>"), Description("Results folder (default: results/<run-id>); re-running into it resumes from its checkpoints.")]
        public string? Out { get; init; }

        [CommandOption("--run-id <ID>"), Description("Name of the run folder under results/ (default: reproduce-<date>-<time>, or reproduce-quick-…).")]
        public string? RunId { get; init; }

        [CommandOption("--prompts <N>"), Description("Held-out evaluation prompts (default: 128; quick: 32).")]
        public int? Prompts { get; init; }

        [CommandOption("--images-per-prompt <N>"), Description("Images per evaluation prompt, each from its own seeded noise; win rates and paired differences compare image k with image k (default 2, quick 1; the paper draws 1).")]
        public int? ImagesPerPrompt { get; init; }

        [CommandOption("--judge-count"), Description("Add Table 5's training runs (Iter0 on the consensus of K = 2 … 4 judges; about 1.5 minutes).")]
        public bool JudgeCount { get; init; }

        [CommandOption("--no-controls"), Description("Skip the two controls trained through Semi-DPO's pipeline (clean only, same budget; Diffusion-DPO on all pairs, same schedule).")]
        public bool NoControls { get; init; }

        [CommandOption("--no-ceilings"), Description("Skip the two ceiling arms (Iter1/2 on the slots Semi-DPO accepted, with the true labels and with the human labels).")]
        public bool NoCeilings { get; init; }

        [CommandOption("--clean-keep <SHARE>"), Description("Keep this share of the clean training pairs (seeded, nested: a smaller share keeps a subset of a larger one); the rest leave the data and the unlabeled pool stays as it is: the dose-response over clean share. Default 1.")]
        public double CleanKeep { get; init; } = 1;

        [CommandOption("--biased-slice"), Description("Bias the clean subset against one prompt slice, as Pick-a-Pic's: the consensus fails on 75 % of the clean training pairs whose prompt asks for 3 or 4 objects (they become noisy); the evaluation draws half its prompts from that slice and half from the rest, and slices.md compares the arms on each side.")]
        public bool BiasedSlice { get; init; }

        [CommandOption("--threshold-population <WHICH>"), Description("The |z| values each interval's percentile is taken over: allscored (default: the clean training pairs and the unlabeled pairs, a pair labelled earlier counting as 0) | official (as the official scripts: from Iter2 on the earlier clean anchors count as 0 too, so more pseudo-labels pass) | stillunlabelled (the unlabeled pairs not labelled yet).")]
        public ThresholdPopulation? Population { get; init; }

        [CommandOption("--baselines <KEYS>"), Description("Comma-separated baselines trained from the base model with Semi-DPO's total step budget at Iter0's learning rate: sft, dpo, kto (Diffusion-KTO's official single-image data), kto-pairs (Diffusion-KTO on the pairs), cdpo, poly (Poly-DPO), adaptive (Adaptive-DPO), realalign (RealAlign: DRO then DPO on real-vs-degraded pairs), 'all' (every one but kto-pairs) or 'none'. Default: none (the default runs the arms that bear on the claim: Semi-DPO, the controls and the ceilings).")]
        public string? Baselines { get; init; }

        [CommandOption("--poly-alpha <A>"), Description("α of Poly-DPO (default 8, the authors' best on Pick-a-Pic v2; 0 = Diffusion-DPO).")]
        public double? PolyAlpha { get; init; }

        [CommandOption("--flip-rate <R>"), Description("Flip this share of the non-tie human labels (seeded) before Stage 1, on top of the world's annotator noise: e.g. 0.1, 0.2, 0.3.")]
        public double FlipRate { get; init; }

        [CommandOption("--device <DEVICE>"), Description("cpu, cuda or cuda:N.")]
        public string? Device { get; init; }

        [CommandOption("--config <FILE>"), Description("Run the configuration in a config.json that an earlier run wrote (with --out, --run-id, --device and --log-dir only: the file gives everything else).")]
        public string? Config { get; init; }

        [CommandOption("--log-dir <DIR>"), Description("Also write TensorBoard event files here: one run per stage (loss, implicit_acc, lr, raw_model_loss, ref_loss; pseudo-label counts and τ per interval).")]
        public string? LogDir { get; init; }

        /// <summary>The options that do not shape the configuration, so --config may come with them.</summary>
        public static readonly string[] RunOptions = ["--out", "--run-id", "--device", "--log-dir"];

        public ReproduceConfig ToConfig()
        {
            var config = (Quick ? ReproduceConfig.Quick : ReproduceConfig.Default).WithSeeds(Seeds);
            if (Prompts is { } prompts) config = config with { Study = config.Study with { EvalPrompts = prompts } };
            if (ImagesPerPrompt is { } images) config = config with { Study = config.Study with { ImagesPerPrompt = images } };
            if (NoControls) config = config with { Controls = false };
            if (NoCeilings) config = config with { Ceilings = false };
            if (CleanKeep != 1) config = config with { Study = config.Study with { CleanKeep = CleanKeep } };
            if (BiasedSlice) config = config with { Study = config.Study with { Bias = new SliceBias() } };
            if (Population is { } population)
                config = config with { SemiDpo = config.SemiDpo with { Thresholds = config.SemiDpo.Thresholds with { Population = population } } };
            if (Baselines is { } keys)
                config = config with
                {
                    Baselines = keys.Trim() switch
                    {
                        "all" => BaselineSuite.AllKeys,
                        "none" => [],
                        _ => keys.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                    },
                };
            if (PolyAlpha is { } alpha) config = config with { PolyAlpha = alpha };
            if (FlipRate != 0) config = config with { FlipRate = FlipRate };
            return JudgeCount ? config with { JudgeCountAblation = true } : config;
        }

        public override ValidationResult Validate()
        {
            if (Seeds < 1) return ValidationResult.Error("--seeds must be at least 1.");
            try
            {
                ToConfig().Validate();
                return ValidationResult.Success();
            }
            catch (ArgumentException e)
            {
                return ValidationResult.Error(ExitCodes.OneLine(e.Message));
            }
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Init().ToString())}[/]");
        var config = ConfigOption.Resolve<ReproduceConfig, Settings>(settings.Config, context.Arguments, settings.ToConfig, Settings.RunOptions);
        config.Validate();
        var device = TorchDevice.Default(settings.Device);
        var board = settings.LogDir is null ? null : new TensorBoardLog(settings.LogDir);
        var folder = settings.Out ?? Path.Combine("results", settings.RunId ?? $"reproduce-{(settings.Quick ? "quick-" : "")}{DateTime.Now:yyyyMMdd-HHmmss}");
        using var outputLock = OutputLock.Acquire(folder);
        AnsiConsole.MarkupLine($"results → [bold]{Markup.Escape(folder)}[/]");
        RunRecord.Capture(RunRecord.CommandLine(), device).AppendTo(folder);
        ReproductionResult? result = null;
        var timings = new StageTimings();
        StageProgressBars.Run(progress => result = Reproducer.Run(config, folder, progress, cancellation, device), p =>
        {
            timings.Report(p.Stage);
            board?.Report(p);
        });
        foreach (var seed in result!.Seeds) board?.Thresholds(seed.Iterations, $"seed {seed.Seed}");
        var summary = ReproductionReport.Write(result!, folder);
        foreach (var table in ReproductionReport.Tables(result!))
        {
            Tables.Print(table.Frame, table.Title, fractionsAsPercent: false);
            if (table.Paper is not null) Tables.Print(table.Paper, PaperNumbers.Source, fractionsAsPercent: false);
            if (table.PaperNote is not null) AnsiConsole.MarkupLine($"[grey]{Markup.Escape(PaperNumbers.Source)}: {Markup.Escape(table.PaperNote)}[/]");
        }
        var charts = ReproductionCharts.SaveHtml(result!, folder);
        var timingFrame = timings.ToFrame();
        Tables.Print(timingFrame, "where the time went (seconds per stage)", fractionsAsPercent: false);
        SemiDpo.Analysis.TableFiles.SaveCsv(timingFrame, Path.Combine(folder, "timings.csv"));
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(new ReproductionTables(result!).Headline())}[/]");
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(summary)}, tables (CSV + Markdown), {charts.Count} charts (HTML); took {result!.Elapsed.TotalMinutes:F1} min");
        if (board is not null) AnsiConsole.MarkupLine($"TensorBoard: tensorboard --logdir {Markup.Escape(board.Folder)}");
        return 0;
    }
}
