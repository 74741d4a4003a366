using System.ComponentModel;
using System.Diagnostics;
using SemiDpo.Analysis;
using SemiDpo.Data.World;
using SemiDpo.Diffusion;
using SemiDpo.Rewards;
using SemiDpo.Torch;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo eval</c>: samples one image per held-out prompt from each model (fixed seed per prompt) and scores them
/// with the oracle and every judge, beside random noise and the world's generators.
/// </summary>
public sealed class EvalCommand : Command<EvalCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <FILE>"), Description("Checkpoint to evaluate (repeatable; default: the base model).")]
        public string[] Models { get; init; } = [];

        [CommandOption("--prompts <N>"), Description("Held-out prompts (one image each).")]
        public int Prompts { get; init; } = 200;

        [CommandOption("--steps <N>"), Description("DDIM steps.")]
        public int Steps { get; init; } = new SamplerConfig().Steps;

        [CommandOption("--guidance <W>"), Description("Classifier-free guidance scale.")]
        public double Guidance { get; init; } = new SamplerConfig().GuidanceScale;

        [CommandOption("--judges <DIR>"), Description("Judge weights folder.")]
        public string Judges { get; init; } = Path.Combine("data", "judges");

        [CommandOption("--out <FILE>"), Description("CSV of the table (optional).")]
        public string? Out { get; init; }

        [CommandOption("--device <DEVICE>"), Description("cpu, cuda or cuda:N.")]
        public string? Device { get; init; }

        public override ValidationResult Validate() =>
            Prompts < 1 ? ValidationResult.Error("--prompts must be at least 1.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Init().ToString())}[/]");
        var device = TorchDevice.Default(settings.Device);
        var prompts = SampleEvaluation.HeldOutPrompts(settings.Prompts);
        var judges = JudgePanel.Load(settings.Judges, device).Judges;
        var sets = new List<ImageSetScores> { SampleEvaluation.Score("random noise", prompts, SampleEvaluation.NoiseImages(prompts.Count), judges) };
        var models = settings.Models.Length == 0 ? [BaseModelFile.DefaultPath] : settings.Models;
        try
        {
            foreach (var path in models)
            {
                var clock = Stopwatch.StartNew();
                using var model = BaseModelFile.LoadAny(path, device);
                var images = model.Sample(prompts, new SamplerConfig(settings.Steps, settings.Guidance));
                sets.Add(SampleEvaluation.Score(Path.GetFileName(path), prompts, images, judges));
                AnsiConsole.MarkupLine($"[grey]{Markup.Escape(path)}: {prompts.Count} samples in {clock.Elapsed.TotalSeconds:F0} s[/]");
            }
        }
        catch (CheckpointException e)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            return 1;
        }
        foreach (var generator in GeneratorProfile.Defaults)
            sets.Add(SampleEvaluation.Score($"generator {generator.Name}", prompts, SampleEvaluation.GeneratorImages(generator, prompts), judges));
        var frame = SampleEvaluation.ToFrame(sets);
        Tables.Print(frame, $"{prompts.Count} held-out prompts, one image each: oracle and judge means", fractionsAsPercent: false);
        if (settings.Out is not null) Microsoft.Data.Analysis.DataFrame.SaveCsv(frame, settings.Out);
        return 0;
    }
}
