using System.ComponentModel;
using System.Diagnostics;
using SemiDpo.Data.World;
using SemiDpo.Diffusion;
using SemiDpo.Imaging;
using SemiDpo.Torch;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary><c>semidpo sample</c>: DDIM samples of a model for one prompt, written as a PNG grid.</summary>
public sealed class SampleCommand : Command<SampleCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--prompt <TEXT>"), Description("A caption of the world's grammar, e.g. \"two red circles on the left on a blue background\".")]
        public string Prompt { get; init; } = "";

        [CommandOption("-n|--count <N>"), Description("Images to draw (seeds 0…N−1 of the prompt).")]
        public int Count { get; init; } = 16;

        [CommandOption("--out <FILE>"), Description("PNG grid to write.")]
        public string Out { get; init; } = "grid.png";

        [CommandOption("--model <FILE>"), Description("Checkpoint to sample from (default: the base model).")]
        public string Model { get; init; } = BaseModelFile.DefaultPath;

        [CommandOption("--steps <N>"), Description("DDIM steps.")]
        public int Steps { get; init; } = new SamplerConfig().Steps;

        [CommandOption("--guidance <W>"), Description("Classifier-free guidance scale.")]
        public double Guidance { get; init; } = new SamplerConfig().GuidanceScale;

        [CommandOption("--seed <N>"), Description("Sampler seed.")]
        public int Seed { get; init; } = new SamplerConfig().Seed;

        [CommandOption("--device <DEVICE>"), Description("cpu, cuda or cuda:N.")]
        public string? Device { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Prompt)) return ValidationResult.Error("--prompt is required.");
            if (Count is < 1 or > 1024) return ValidationResult.Error("-n must be in 1…1024.");
            if (Steps is < 1 or > 1000) return ValidationResult.Error("--steps must be in 1…1000.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        TorchRuntime.Init();
        SceneSpec? spec = null;
        try
        {
            spec = SceneSpec.Parse(settings.Prompt);
        }
        catch (FormatException e)
        {
            AnsiConsole.MarkupLine($"[yellow]note:[/] {Markup.Escape(e.Message)} The model only knows the world's grammar; unknown words become <unk>.");
        }
        try
        {
            var clock = Stopwatch.StartNew();
            using var model = BaseModelFile.LoadAny(settings.Model, TorchDevice.Default(settings.Device));
            var images = model.Sample(Enumerable.Repeat(settings.Prompt, settings.Count).ToList(),
                new SamplerConfig(settings.Steps, settings.Guidance, settings.Seed));
            var grid = new ImageGrid(images, Columns: Math.Min(8, images.Length)).Tile();
            var directory = Path.GetDirectoryName(Path.GetFullPath(settings.Out))!;
            Directory.CreateDirectory(directory);
            File.WriteAllBytes(settings.Out, PngEncoder.Encode(grid));
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(settings.Out)} ({images.Length} images, {clock.Elapsed.TotalSeconds:F1} s)");
            if (spec is not null)
            {
                var scores = images.Select(i => PixelOracle.Score(i, spec)).ToList();
                AnsiConsole.MarkupLine($"oracle means: alignment {scores.Average(s => s.Alignment):F3}, aesthetics {scores.Average(s => s.Aesthetics):F3}, detail {scores.Average(s => s.Detail):F3}");
            }
            return 0;
        }
        catch (CheckpointException e)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            return 1;
        }
    }
}
