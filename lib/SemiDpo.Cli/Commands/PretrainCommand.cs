using System.ComponentModel;
using System.Diagnostics;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World.Model;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary><c>semidpo pretrain</c>: trains the world's base model (resumable) and writes its weights + SHA-256.</summary>
public sealed class PretrainCommand : Command<PretrainCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--out <FILE>"), Description("Where the trained weights go (a SHA-256 file is written beside them).")]
        public string Out { get; init; } = BaseModelFile.DefaultPath;

        [CommandOption("--resume-from <FILE>"), Description("Resumable checkpoint (weights + AdamW + step + RNG); resumed when it exists.")]
        public string Resume { get; init; } = Path.Combine("data", "cache", "pretrain", "resume.ckpt");

        [CommandOption("--steps <N>"), Description("Optimizer steps.")]
        public int Steps { get; init; } = new PretrainConfig().Steps;

        [CommandOption("--batch <N>"), Description("Images per step.")]
        public int Batch { get; init; } = new PretrainConfig().BatchSize;

        [CommandOption("--channels <N>"), Description("UNet width at full resolution.")]
        public int Channels { get; init; } = BaseModelFile.Config.Channels;

        [CommandOption("--seed <N>"), Description("Seed of images, noise and timesteps.")]
        public int Seed { get; init; } = new PretrainConfig().Seed;

        [CommandOption("--device <DEVICE>"), Description("cpu, cuda or cuda:N.")]
        public string? Device { get; init; }

        [CommandOption("--log-dir <DIR>"), Description("Also write TensorBoard event files here (run 'pretrain': loss, lr, raw_model_loss).")]
        public string? LogDir { get; init; }

        public override ValidationResult Validate() =>
            Steps < 1 ? ValidationResult.Error("--steps must be at least 1.")
            : Batch < 1 ? ValidationResult.Error("--batch must be at least 1.")
            : Channels < 8 || Channels % 8 != 0 ? ValidationResult.Error("--channels must be a multiple of 8 (GroupNorm uses 8 groups).")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Init().ToString())}[/]");
        var config = new PretrainConfig(Steps: settings.Steps, BatchSize: settings.Batch, Seed: settings.Seed);
        Seeding.Everything(config.Seed); // the initial weights; a resumed run replaces them
        using var model = new DiffusionModel(BaseModelFile.Config with { Channels = settings.Channels }, TorchDevice.Default(settings.Device));
        var board = settings.LogDir is null ? null : new TensorBoardLog(settings.LogDir);
        var clock = Stopwatch.StartNew();
        List<double> losses = [];
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
            new ElapsedTimeColumn(), new RemainingTimeColumn()).Start(ctx =>
        {
            var task = ctx.AddTask("pretrain", maxValue: config.Steps);
            losses = new Pretrainer(model, config).Run(settings.Resume, new InlineProgress<TrainingProgress>(p =>
            {
                task.Value = p.Step;
                task.Description = $"pretrain (loss {p.Loss:F4})";
                board?.Report(p);
            }), cancellation);
        });
        var hash = BaseModelFile.Write(model, settings.Out);
        var tail = losses.Count == 0 ? double.NaN : losses.TakeLast(100).Average();
        AnsiConsole.MarkupLine($"{config.Steps} steps ({losses.Count} in this run, {clock.Elapsed.TotalSeconds:F0} s); mean loss of the last 100: {tail:F4}");
        AnsiConsole.MarkupLine($"weights: {Markup.Escape(settings.Out)} ({new FileInfo(settings.Out).Length / 1024} KiB, SHA-256 {hash[..16]}…)");
        return 0;
    }
}
