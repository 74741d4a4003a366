using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using SemiDpo.Analysis;
using SemiDpo.Baselines;
using SemiDpo.Cli.Common;
using SemiDpo.Data;
using SemiDpo.Distributed;
using SemiDpo.Diffusion;
using SemiDpo.Health;
using SemiDpo.IO;
using SemiDpo.Losses;
using SemiDpo.Method;
using SemiDpo.Official;
using SemiDpo.Preferences;
using SemiDpo.Reproduction;
using SemiDpo.Rewards;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World.Model;
using Spectre.Console;
using Spectre.Console.Cli;
using ScalarType = TorchSharp.torch.ScalarType;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo train</c>: Stage 2 — Iter0 on the clean pairs, then pseudo-labelled iterations — on the world's base
/// model, or (<c>--model</c>) on a diffusers Stable Diffusion folder, in full or through LoRA, exported as a diffusers
/// folder at the end (<c>--export</c>). With <c>--baseline</c>, one of the compared methods instead, from the base model
/// with Semi-DPO's total budget (the same run as <c>reproduce</c>'s Table 2 rows, on any data and model).
/// </summary>
public sealed class TrainCommand : AsyncCommand<TrainCommand.Settings>
{
    public sealed class Settings : ThresholdSettings
    {
        [CommandOption("--filter <DIR>"), Description("Folder written by `semidpo filter` (clean-train / clean-test / noisy parquet).")]
        public string Filter { get; init; } = Path.Combine("data", "cache", "filter");

        [CommandOption("--base <FILE>"), Description("Base model checkpoint (the world's).")]
        public string Base { get; init; } = BaseModelFile.DefaultPath;

        [CommandOption("--model <DIR>"), Description("Train a diffusers Stable Diffusion folder instead of the world's base model.")]
        public string? Model { get; init; }

        [CommandOption("--lora <R>"), Description("With --model: train LoRA adapters of rank R (alpha = R) on to_q/to_k/to_v/to_out.0 (Iter0's reference: the base UNet, adapters off; see --lora-iterations for later ones). 0 = the full UNet.")]
        public int Lora { get; init; }

        [CommandOption("--lora-init <FILE>"), Description("With --model: LoRA adapters start from this file (pytorch_lora_weights.safetensors as diffusers and the official train.py write it, or its folder); the rank is the file's.")]
        public string? LoraInit { get; init; }

        [CommandOption("--lora-iterations <RULE>"), Description("With LoRA, how Iter i > 0 starts: fuse (the official rule: the previous adapters merged into the UNet, fresh adapters; the base model — Iter0's and the confidence reference — is the loaded one, with --lora-init's adapters on) | continue (the same adapters go on; the base is the folder's UNet, adapters off).")]
        public string LoraIterations { get; init; } = "fuse";

        [CommandOption("--resolution <PX>"), Description("With --model: image side the pairs are resized (shorter side) and centre-cropped to (default: the model's, 512 for SD1.5).")]
        public int? Resolution { get; init; }

        [CommandOption("--frozen-dtype <T>"), Description("With --model: dtype of the frozen VAE and text encoder: float32 | float16 | bfloat16 (half precision saves memory on a GPU; the UNet trains in float32 — TorchSharp has no autocast).")]
        public string FrozenDType { get; init; } = "float32";

        [CommandOption("--reference-dtype <T>"), Description("With --model: dtype of a UNet from the moment it is only a DPO reference (the base after Iter0 starts, each iteration's model after the next starts): float32 | float16 | bfloat16 (the official bf16 run holds its reference UNet in bf16: half the memory; the policy copies the float32 weights first). Default float32; bfloat16 under --preset.")]
        public string ReferenceDType { get; init; } = "float32";

        [CommandOption("--mixed-precision <T>"), Description("With --model: no | bfloat16 — the UNets compute in bfloat16 while the trained weights, their gradients and AdamW stay float32 (accelerate's mixed_precision=\"bf16\", the official run's; autocast by hand: convolutions and linear layers in bfloat16, norms in float32). Default no; bfloat16 under --preset.")]
        public string MixedPrecision { get; init; } = "no";

        [CommandOption("--gradient-checkpointing"), Description("With --model: recompute each UNet block's forward in the backward instead of keeping its activations (diffusers' enable_gradient_checkpointing; SD1.5 full fine-tuning at 512²: see docs/real-data.md for the memory it saves and the time it costs).")]
        public bool GradientCheckpointing { get; init; }

        [CommandOption("--export <DIR>"), Description("With --model: write the final model as a diffusers folder here (LoRA merged into the UNet).")]
        public string? Export { get; init; }

        [CommandOption("--hflip"), Description("Mirror each drawn pair's two images left–right together with probability ½ (Diffusion-DPO's augmentation, on by default in its reference script). A latent cache is used only when it holds the mirrored images' latents (`semidpo latents --hflip`).")]
        public bool HorizontalFlip { get; init; }

        [CommandOption("--stream-images"), Description("With --model and no latent cache: read every set's images from its shards a batch at a time instead of holding them (automatic for a set whose images at the resolution exceed 4 GiB).")]
        public bool StreamImages { get; init; }

        [CommandOption("--scale-lr"), Description("The official scale_lr: the learning rates are multiplied by the global batch (per-device batch × accumulation × processes).")]
        public bool ScaleLr { get; init; }

        [CommandOption("--out <DIR>"), Description("Folder for iter{i}.ckpt, thresholds-iter{i}.csv, train-log.csv, config.json (resumes from it) and official/iter{i}/ (the official pipeline's confidence, summary and pseudo-label files).")]
        public string Out { get; init; } = Path.Combine("results", "train");

        [CommandOption("--iterations <N>"), Description("Iter0 … Iter(N−1); the paper uses 3.")]
        public int Iterations { get; init; } = new SemiDpoConfig().Iterations;

        [CommandOption("--steps0 <N>"), Description("Iter0 optimizer steps.")]
        public int Steps0 { get; init; } = new SemiDpoConfig().Iter0.Steps;

        [CommandOption("--steps <N>"), Description("Optimizer steps of each later iteration.")]
        public int Steps { get; init; } = new SemiDpoConfig().Later.Steps;

        [CommandOption("--lr0 <LR>"), Description("Iter0 learning rate.")]
        public double Lr0 { get; init; } = new SemiDpoConfig().Iter0.LearningRate;

        [CommandOption("--lr <LR>"), Description("Learning rate of later iterations.")]
        public double Lr { get; init; } = new SemiDpoConfig().Later.LearningRate;

        [CommandOption("--batch <N>"), Description("Global batch (pairs per step).")]
        public int Batch { get; init; } = new SemiDpoConfig().Iter0.BatchSize;

        [CommandOption("--micro-batch <N>"), Description("Pairs per forward/backward (gradient accumulation up to --batch); default 32 on the world, 1 with --model (two 512² images per forward).")]
        public int? MicroBatch { get; init; }

        [CommandOption("--warmup <N>"), Description("Warm-up steps of every iteration (linear from 0 to the learning rate, then constant).")]
        public int Warmup { get; init; } = new SemiDpoConfig().Iter0.WarmupSteps;

        [CommandOption("--preset <NAME>"), Description("With --model: sd15-official, the paper's SD1.5 run (global batch 512, lr 4e-9 / 4e-10 × batch (scale_lr), warm-up 400, 1,600 + 2 × 4,000 steps, β 2500, checkpoint every 100 steps, VAE and text encoder in bfloat16). The options it sets cannot be given with it; --micro-batch (default 1) and --seed can.")]
        public string? Preset { get; init; }

        [CommandOption("--beta <B>"), Description("DPO β, official Semi-DPO convention (= Diffusion-DPO's β/2).")]
        public double Beta { get; init; } = DiffusionDpoLoss.OfficialBeta;

        [CommandOption("--confidence-reference <REF>"), Description("Reference for pseudo-label confidence: base (official) | previous.")]
        public ReferenceChoice ConfidenceReference { get; init; } = ReferenceChoice.Base;

        [CommandOption("--training-reference <REF>"), Description("Reference of the DPO loss in Iter i > 0: previous (official) | base.")]
        public ReferenceChoice TrainingReference { get; init; } = ReferenceChoice.Previous;

        [CommandOption("--unlabeled-sample <N>"), Description("Score at most N unlabeled pairs per iteration (0 = all).")]
        public int UnlabeledSample { get; init; }

        [CommandOption("--anchors <A>"), Description("Clean anchors of Iter i > 0: thirds (official: a different third of the clean pairs, by row, per iteration) | all.")]
        public CleanAnchors Anchors { get; init; } = new SemiDpoConfig().Anchors;

        [CommandOption("--relabel-past"), Description("Let pairs pseudo-labelled in an earlier iteration be selected again (official: they rank last).")]
        public bool RelabelPast { get; init; }

        [CommandOption("--term <T>"), Description("pseudolabels (Semi-DPO) | none (control: clean anchors only) | humanlabels (control: all pairs with human labels, same schedule).")]
        public UnlabeledTerm Term { get; init; } = UnlabeledTerm.PseudoLabels;

        [CommandOption("--mixing <M>"), Description("How clean and pseudo-labelled pairs share a step: bycount (official: one shuffled set) | perterm (half of each batch each, loss = clean mean + λ·unlabeled mean).")]
        public TermMixing Mixing { get; init; } = TermMixing.ByCount;

        [CommandOption("--unlabeled-weight <L>"), Description("λ of --mixing perterm.")]
        public double UnlabeledWeight { get; init; } = 1;

        [CommandOption("--pseudo-labels <DIR>"), Description("Train Iter i > 0 on the pseudo-labels in DIR/iter{i}/pseudo_labels.json where that file exists (the official pipeline's format, by source idx; what official/ of an earlier run holds) instead of scoring the pairs; use --unlabeled-sample 0 so that every listed pair can be trained.")]
        public string? PseudoLabels { get; init; }

        [CommandOption("--checkpoint-every <N>"), Description("Optimizer steps between resumable checkpoints (0 = only at the end of each iteration).")]
        public int CheckpointEvery { get; init; } = new DpoTrainConfig().CheckpointEvery;

        [CommandOption("--skip-bad-rows"), Description("Leave out pairs with a missing caption, bad labels or undecodable images (counted) instead of stopping at the first.")]
        public bool SkipBadRows { get; init; }

        [CommandOption("--seed <N>"), Description("Training seed (batch order, timesteps, noise).")]
        public int Seed { get; init; } = new DpoTrainConfig().Seed;

        [CommandOption("--device <DEVICE>"), Description("cpu, cuda or cuda:N.")]
        public string? Device { get; init; }

        [CommandOption("--baseline <KEY>"), Description("Train a compared method instead of Semi-DPO, from the base model with Semi-DPO's total budget (--steps0 + (--iterations − 1) × --steps steps at --lr0): sft | dpo | kto | kto-pairs | cdpo | poly | adaptive (Diffusion-DPO, cDPO, Poly-DPO, Adaptive-DPO, Diffusion-KTO (pairs) on every non-tie pair with its human label; Diffusion-KTO on every image, desirable when it ever won, 80 % desirable draws; SFT on the winners). Writes <KEY>.ckpt; Semi-DPO's pseudo-label options do not apply.")]
        public string? Baseline { get; init; }

        [CommandOption("--poly-alpha <A>"), Description("α of --baseline poly (0 = Diffusion-DPO).")]
        public double PolyAlpha { get; init; } = PolyDpoLoss.PickapicAlpha;

        [CommandOption("--smoothing <E>"), Description("Label smoothing ε of --baseline cdpo, 0 ≤ ε < 0.5.")]
        public double Smoothing { get; init; } = ReproduceConfig.Default.Smoothing;

        [CommandOption("--config <FILE>"), Description("Train with the configuration in a config.json that an earlier run wrote (the options naming data, model, output, device and logging still apply; the others come from the file).")]
        public string? Config { get; init; }

        [CommandOption("--log-dir <DIR>"), Description("Also write TensorBoard event files here: one run per iteration (loss, implicit_acc, lr, raw_model_loss, ref_loss; pseudo-label counts and τ per interval).")]
        public string? LogDir { get; init; }

        /// <summary>
        /// The options that do not shape the configuration, so --config may come with them (--baseline with a Semi-DPO
        /// run's config.json trains that method with the run's budget).
        /// </summary>
        public static readonly string[] RunOptions = ["--filter", "--base", "--model", "--lora", "--lora-init", "--lora-iterations", "--resolution", "--frozen-dtype", "--reference-dtype", "--mixed-precision", "--gradient-checkpointing", "--stream-images", "--export", "--out", "--skip-bad-rows", "--device", "--log-dir", "--pseudo-labels",
            "--baseline", "--poly-alpha", "--smoothing"];

        /// <summary>The options <c>--preset</c> sets (one source of truth: the preset, or these options without it).</summary>
        public static readonly string[] PresetOptions = ["--iterations", "--steps0", "--steps", "--lr0", "--lr", "--batch", "--warmup", "--beta", "--scale-lr", "--checkpoint-every", "--training-reference"];

        /// <summary>The frozen parts' dtype: --frozen-dtype, or bfloat16 under the official preset (its bf16 mixed precision).</summary>
        public string FrozenDTypeOrPreset(IReadOnlyList<string> arguments) => PresetChooses(arguments, "--frozen-dtype") ? "bfloat16" : FrozenDType;

        /// <summary>The references' dtype: --reference-dtype, or bfloat16 under the official preset (its bf16 mixed precision keeps ref_unet in bf16).</summary>
        public string ReferenceDTypeOrPreset(IReadOnlyList<string> arguments) => PresetChooses(arguments, "--reference-dtype") ? "bfloat16" : ReferenceDType;

        /// <summary>The UNets' compute dtype: --mixed-precision (null for no), or bfloat16 under the official preset (its mixed_precision bf16).</summary>
        public ScalarType? MixedPrecisionOrPreset(IReadOnlyList<string> arguments) =>
            PresetChooses(arguments, "--mixed-precision") ? ScalarType.BFloat16 : MixedPrecision == "no" ? null : ScalarType.BFloat16;

        /// <summary>Whether the preset sets <paramref name="option"/>: a preset is given and the option is not.</summary>
        bool PresetChooses(IReadOnlyList<string> arguments, string option) => Preset is not null && !arguments.Any(a => a.Split('=', 2)[0] == option);

        /// <summary>The method <c>--baseline</c> names, with its hyperparameters; null for Semi-DPO.</summary>
        public Baseline? ToBaseline(double beta) => Baseline is { } key ? BaselineSuite.Of([key], beta, Smoothing, PolyAlpha)[0] : null;

        public SemiDpoConfig ToConfig()
        {
            var defaults = new SemiDpoConfig();
            var micro = MicroBatch ?? (Model is null ? defaults.Iter0.MicroBatch : 1);
            var config = new SemiDpoConfig(Iterations, ConfidenceReference, TrainingReference, UnlabeledSample, Anchors, !RelabelPast, Term)
            {
                Iter0 = defaults.Iter0 with { Steps = Steps0, LearningRate = Lr0, BatchSize = Batch, MicroBatch = micro, WarmupSteps = Warmup, Beta = Beta, Seed = Seed,
                    CheckpointEvery = CheckpointEvery, ScaleLearningRate = ScaleLr, HorizontalFlip = HorizontalFlip },
                Later = defaults.Later with { Steps = Steps, LearningRate = Lr, BatchSize = Batch, MicroBatch = micro, WarmupSteps = Warmup, Beta = Beta, Seed = Seed,
                    CheckpointEvery = CheckpointEvery, ScaleLearningRate = ScaleLr, Mixing = Mixing, UnlabeledWeight = UnlabeledWeight, HorizontalFlip = HorizontalFlip },
                Thresholds = ToThresholdConfig(),
            };
            return Preset is null ? config : OfficialPreset.Apply(config, micro);
        }

        public override ValidationResult Validate()
        {
            if (Model is null && (Lora != 0 || LoraInit is not null || Resolution is not null || Export is not null || FrozenDType != "float32" || ReferenceDType != "float32" || MixedPrecision != "no" || Preset is not null || GradientCheckpointing || StreamImages))
                return ValidationResult.Error("--lora, --lora-init, --resolution, --frozen-dtype, --reference-dtype, --mixed-precision, --gradient-checkpointing, --stream-images, --preset and --export need --model (a diffusers Stable Diffusion folder).");
            if (MixedPrecision is not ("no" or "bfloat16"))
                return ValidationResult.Error($"--mixed-precision: '{MixedPrecision}' is not no or bfloat16 (float16 would need loss scaling, which is not built).");
            if (LoraIterations is not ("fuse" or "continue")) return ValidationResult.Error($"--lora-iterations: '{LoraIterations}' is not fuse or continue.");
            if (Preset is not null && Preset != OfficialPreset.Sd15) return ValidationResult.Error($"--preset: unknown preset '{Preset}'; known: {OfficialPreset.Sd15}.");
            if (Warmup < 0) return ValidationResult.Error("--warmup is a number of steps ≥ 0.");
            if (Lora < 0) return ValidationResult.Error("--lora is a rank ≥ 1, or 0 for the full UNet.");
            if (DTypeOption.Named(FrozenDType) is null) return ValidationResult.Error($"--frozen-dtype: '{FrozenDType}' is not {DTypeOption.Choices}.");
            if (DTypeOption.Named(ReferenceDType) is null) return ValidationResult.Error($"--reference-dtype: '{ReferenceDType}' is not {DTypeOption.Choices}.");
            if (Baseline is { } key && !BaselineSuite.LossKeys.Contains(key))
                return ValidationResult.Error($"--baseline: unknown method '{key}'; known: {string.Join(", ", BaselineSuite.LossKeys)} (realalign needs the world's renderer: `semidpo reproduce --baselines realalign`).");
            try
            {
                ToConfig().Validate();
                ToBaseline(Beta);
                return ValidationResult.Success();
            }
            catch (ArgumentException e)
            {
                return ValidationResult.Error(ExitCodes.OneLine(e.Message));
            }
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var world = DistributedRun.Join();
        using var outputLock = world.IsRoot ? OutputLock.Acquire(settings.Out) : null;
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Init().ToString())}[/]");
        var config = ConfigOption.Resolve<SemiDpoConfig, Settings>(settings.Config, context.Arguments, settings.ToConfig, Settings.RunOptions);
        config.Validate();
        if (settings.Preset is { } preset && context.Arguments.Select(a => a.Split('=', 2)[0]).Intersect(Settings.PresetOptions).ToList() is { Count: > 0 } set)
            throw new ArgumentException($"{string.Join(", ", set)} cannot be combined with --preset {preset}: the preset sets them (drop --preset to choose every value yourself).");
        var frozenDType = settings.FrozenDTypeOrPreset(context.Arguments);
        var device = TorchDevice.Default(DistributedRun.Device(world, settings.Device));
        var referenceDType = settings.ReferenceDTypeOrPreset(context.Arguments);
        var mixedPrecision = settings.MixedPrecisionOrPreset(context.Arguments);
        var board = settings.LogDir is null || !world.IsRoot ? null : new TensorBoardLog(settings.LogDir);
        var clock = Stopwatch.StartNew();
        var files = new ConsensusFiles(settings.Filter);
        var skipped = new SkippedRows();
        if (settings.Model is { } folder)
        {
            using var model = StableDiffusionModel.Load(folder, device, new StableDiffusionOptions(FrozenDType: DTypeOption.Named(frozenDType)!.Value, GradientCheckpointing: settings.GradientCheckpointing,
                MixedPrecision: mixedPrecision));
            if (settings.LoraInit is { } init)
            {
                model.EnableLora(init);
                if (settings.Lora > 0 && settings.Lora != model.Lora!.Rank) throw new ArgumentException($"--lora {settings.Lora} but {init} has rank {model.Lora.Rank}; drop --lora to take the file's.");
            }
            else if (settings.Lora > 0) model.EnableLora(new LoraConfig(settings.Lora, settings.Lora));
            var fuse = model.Lora is not null && settings.LoraIterations == "fuse" && settings.Baseline is null;
            var resolution = settings.Resolution ?? model.DefaultImageSize;
            var (loaded, source) = await StableDiffusionInputs.LoadAsync(model, files, resolution, config.Iter0.HorizontalFlip || config.Later.HorizontalFlip,
                settings.StreamImages, new PickapicReadOptions(settings.SkipBadRows), skipped, cancellation);
            using var data = loaded;
            AnsiConsole.MarkupLine(Markup.Escape($"{folder}: {(model.Lora is { } lora ? $"LoRA rank {lora.Rank}" : "full UNet")}, " +
                $"{model.UNet.parameters().Where(p => p.requires_grad).Sum(p => p.numel()):N0} trained parameters, pairs at {resolution}² {source}"));
            PrintSchedule(config, $"UNet float32 (trained{(mixedPrecision is null ? "" : ", computing in bfloat16: mixed precision")}{(settings.GradientCheckpointing ? ", gradient checkpointing" : "")}), " +
                $"reference UNets {referenceDType}, VAE and text encoder {frozenDType} (frozen)");
            // Fused iterations change the frozen weights: the base is then the loaded model itself (its adapters stay at B = 0),
            // and the previous model is the policy with its adapters off (the same merged weights), so it is not kept.
            var baseView = model.Lora is null || fuse ? null : (Func<StableDiffusionModel, IDiffusionModel>)(m => m.AdaptersOff());
            var loraFolder = (string name) => Path.Combine(settings.Out, $"{name}-lora");
            var referenceType = DTypeOption.Named(referenceDType)!.Value;
            var (reports, final, scored) = Train(model, baseView, data, settings, config, board, cancellation,
                fuse ? new PolicyRule<StableDiffusionModel>((m, i) => m.CopyFused(i), m => m.AdaptersOff()) : null,
                model.Lora is null || !world.IsRoot ? null : (report, m) => m.WriteLora(loraFolder(report.Name.ToLowerInvariant())),
                referenceType == ScalarType.Float32 ? null : m => m.HoldAsReference(referenceType));
            using (final)
            {
                if (!world.IsRoot) return 0;
                if (model.Lora is not null && final is not null && settings.Baseline is { } key)
                    AnsiConsole.MarkupLine(Markup.Escape($"LoRA for diffusers' load_lora_weights: {final.WriteLora(loraFolder(key))}"));
                if (settings.Export is { } export && final is not null)
                {
                    final.Export(export);
                    AnsiConsole.MarkupLine(Markup.Escape($"exported the final model as a diffusers folder: {export}"));
                }
            }
            Report(reports, settings.Out);
            WriteOfficial(reports, data, scored, settings.Out);
        }
        else
        {
            using var baseModel = BaseModelFile.Load(settings.Base, device);
            using var data = await StageTwoData.LoadAsync(files, baseModel.Tokenizer, cancellation, options: new PickapicReadOptions(settings.SkipBadRows), skipped: skipped);
            PrintSchedule(config, "float32");
            var (reports, final, scored) = Train(baseModel, null, data, settings, config, board, cancellation, null, null, null);
            final?.Dispose();
            if (!world.IsRoot) return 0;
            Report(reports, settings.Out);
            WriteOfficial(reports, data, scored, settings.Out);
        }
        if (skipped.Count > 0) AnsiConsole.MarkupLine("[yellow]" + Markup.Escape($"bad rows skipped: {skipped}") + "[/]");
        AnsiConsole.MarkupLine($"Stage 2 took {clock.Elapsed.TotalSeconds:F0} s; checkpoints in {Markup.Escape(settings.Out)}");
        return 0;
    }

    /// <summary>
    /// Semi-DPO's iterations, or (<c>--baseline</c>) the named method in one stage with Semi-DPO's total budget: the
    /// reports, the final model (the caller disposes it) and the unlabeled pairs Semi-DPO scored (null for a baseline).
    /// </summary>
    static (IReadOnlyList<IterationReport> Reports, TModel? Final, PairSet? Scored) Train<TModel>(TModel baseModel, Func<TModel, IDiffusionModel>? baseView,
        StageTwoData data, Settings settings, SemiDpoConfig config, TensorBoardLog? board, CancellationToken cancellation,
        PolicyRule<TModel>? nextPolicy, Action<IterationReport, TModel>? afterIteration, Action<TModel>? asReference)
        where TModel : class, IDiffusionModel
    {
        AnsiConsole.MarkupLine($"clean train {data.CleanTrain.Count:N0}, clean test {data.CleanTest.Count:N0}, unlabeled {data.Unlabeled.Count:N0} pairs");
        Directory.CreateDirectory(settings.Out);
        if (DataParallel.World.IsRoot)
        {
            RunConfigFile.Write(Path.Combine(settings.Out, RunConfigFile.FileName), config);
            RunRecord.Capture(RunRecord.CommandLine(), baseModel.Device).AppendTo(settings.Out);
        }
        var baseline = settings.ToBaseline(config.Iter0.Beta);
        IReadOnlyList<IterationReport> reports = [];
        TModel? final = null;
        PairSet? scored = null;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
            new ElapsedTimeColumn(), new RemainingTimeColumn()).Start(ctx =>
        {
            var tasks = new Dictionary<string, ProgressTask>();
            var progress = new InlineProgress<TrainingProgress>(p =>
            {
                var stage = p.Stage;
                if (!tasks.TryGetValue(stage, out var task)) tasks[stage] = task = ctx.AddTask(stage, maxValue: p.TotalSteps);
                task.Value = p.Step;
                if (p.Accuracy is { } accuracy) task.Description = $"{stage} (loss {p.Loss:F3}, acc {accuracy:P0})";
                board?.Report(p);
            });
            if (baseline is null)
            {
                var pipeline = new SemiDpoPipeline<TModel>(config)
                {
                    BaseView = baseView, NextPolicy = nextPolicy?.Next, PreviousView = nextPolicy?.PreviousView, AsReference = asReference,
                    GivenLabels = GivenLabels(settings.PseudoLabels),
                };
                var result = pipeline.Run(baseModel, data, settings.Out, progress, cancellation, afterIteration);
                (reports, final, scored) = (result.Reports, result.Final, result.Scored);
                return;
            }
            var checkpoint = Path.Combine(settings.Out, $"{baseline.Key}.ckpt");
            var (model, log) = BaselineSuite.Train(baseline, baseModel, data, config.TotalBudget, checkpoint, progress, cancellation, baseView);
            final = model;
            var pairs = data.CleanTrain.Count + (baseline.Data == BaselineData.AllNonTie ? data.Unlabeled.Count : 0);
            reports = [new IterationReport(baseline.Name, checkpoint, log, null, null, pairs, double.NaN)];
        });
        board?.Thresholds(reports);
        if (board is not null) AnsiConsole.MarkupLine($"TensorBoard: tensorboard --logdir {Markup.Escape(board.Folder)}");
        return (reports, final, scored);
    }

    /// <summary>DIR/iter{i}/pseudo_labels.json, read for the scored pairs by their source idx, where it exists.</summary>
    static Func<int, PairSet, PseudoLabels?>? GivenLabels(string? folder)
    {
        if (folder is null) return null;
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"--pseudo-labels: {folder} is not a folder (it holds iter1/pseudo_labels.json, …).");
        return (iteration, scored) =>
        {
            var path = Path.Combine(folder, $"iter{iteration}", "pseudo_labels.json");
            if (!File.Exists(path)) return null;
            var labels = PseudoLabelFile.Read(path, scored.Rows);
            AnsiConsole.MarkupLine(Markup.Escape($"Iter{iteration}: {labels.PairsAccepted:N0} of {scored.Count:N0} unlabeled pairs labelled by {path}"));
            return labels;
        };
    }

    /// <summary>
    /// Per pseudo-labelling iteration, the official pipeline's files in official/iter{i}/: confidence_rank000.jsonl (the
    /// previous model's z on the unlabeled pairs, by idx), summary.csv / summary.json (its accuracy and |z| percentiles
    /// on the clean test pairs: Table 7) and pseudo_labels.json (accepted labels, the iteration's clean anchors as +1).
    /// </summary>
    static void WriteOfficial(IReadOnlyList<IterationReport> reports, StageTwoData data, PairSet? scored, string folder)
    {
        for (var i = 0; i < reports.Count; i++)
        {
            if (reports[i] is not { Confidence: var (test, unlabeled), Labels: { } labels }) continue;
            var official = Path.Combine(folder, "official", $"iter{i}");
            Directory.CreateDirectory(official);
            var idx = scored!.Rows;
            ConfidenceFiles.Write(Path.Combine(official, "confidence_rank000.jsonl"), idx, unlabeled);
            ConfidenceSummary.Write(official, ConfidenceSummary.Summarize(test));
            // The clean pairs it lists are the iteration's anchors (official: --clean_idx_path clean_idx_part{i-1}.json).
            PseudoLabelFile.Write(Path.Combine(official, "pseudo_labels.json"), idx, labels, reports[i].Anchors.Select(a => data.CleanTrain.Rows[a]));
        }
    }

    /// <summary>How Iter i &gt; 0's policy starts from the previous model, and the previous model as seen from that policy.</summary>
    sealed record PolicyRule<TModel>(Func<TModel, int, TModel> Next, Func<TModel, IDiffusionModel> PreviousView);

    /// <summary>What each iteration will do, printed before it starts: batch, accumulation, learning rates, steps and dtypes.</summary>
    static void PrintSchedule(SemiDpoConfig config, string dtypes)
    {
        var ranks = DataParallel.World.Size;
        string Line(string name, DpoTrainConfig c) =>
            $"{name}: {c.Steps:N0} step{(c.Steps == 1 ? "" : "s")} of {c.BatchSize} pairs (micro-batch {c.MicroBatch} × accumulation {c.BatchSize / c.MicroBatch}" +
            $"{(ranks > 1 ? $", ≈ {(double)c.BatchSize / c.MicroBatch / ranks:G3} per rank × {ranks} ranks" : "")}), " +
            $"learning rate {c.PeakLearningRate:G3}{(c.ScaleLearningRate ? $" ({c.LearningRate:G3} × batch {c.BatchSize}, scale_lr)" : "")} after {c.WarmupSteps} warm-up steps, " +
            $"β {c.Beta:G4}, a checkpoint every {(c.CheckpointEvery == 1 ? "step" : $"{c.CheckpointEvery} steps")}";
        AnsiConsole.MarkupLine(Markup.Escape(Line("Iter0", config.Iter0)));
        if (config.Iterations > 1) AnsiConsole.MarkupLine(Markup.Escape(Line(config.Iterations == 2 ? "Iter1" : $"Iter1…Iter{config.Iterations - 1}", config.Later)));
        AnsiConsole.MarkupLine(Markup.Escape($"dtypes: {dtypes}"));
    }

    static void Report(IReadOnlyList<IterationReport> reports, string folder)
    {
        // Checkpoints carry every step's loss, so after a resume this log equals an uninterrupted run's.
        CsvFile.Write(Path.Combine(folder, "train-log.csv"), ["stage", "step", "loss", "implicit_accuracy"],
            reports.SelectMany(r => r.Log.Loss.Select((loss, i) => new object?[] { r.Name, i + 1, loss, r.Log.Accuracy[i] })));
        var summary = new Table().AddColumns("iteration", "steps", "final loss", "pairs trained", "pseudo-labelled pairs", "clean-test accuracy after");
        foreach (var r in reports)
        {
            var last = r.Log.Loss.Count == 0 ? "resumed" : r.Log.Loss.TakeLast(20).Average().ToString("F3", CultureInfo.InvariantCulture);
            summary.AddRow(r.Name, r.Log.Loss.Count.ToString(CultureInfo.InvariantCulture), last,
                (r.LabeledPairs + (r.Labels?.PairsAccepted ?? 0)).ToString("N0", CultureInfo.InvariantCulture),
                r.Labels is null ? "–" : $"{r.Labels.PairsAccepted:N0} ({r.Labels.SlotsAccepted:N0} pair-intervals)",
                double.IsNaN(r.TestAccuracyAfter) ? "–" : r.TestAccuracyAfter.ToString("P1", CultureInfo.InvariantCulture));
            if (r.Thresholds is null) continue;
            var frame = ThresholdTable.ToFrame(r.Thresholds);
            Tables.Print(frame, $"{r.Name}: thresholds per timestep interval (Table 7 analogue)", true, "percentile", "tau");
            SemiDpo.Analysis.TableFiles.SaveCsv(frame, Path.Combine(folder, $"thresholds-{r.Name.ToLowerInvariant()}.csv"));
        }
        AnsiConsole.Write(summary);
    }
}
