using System.ComponentModel;
using System.Diagnostics;
using SemiDpo.Diffusion;
using SemiDpo.Imaging;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using SemiDpo.World;
using SemiDpo.World.Model;
using Spectre.Console.Cli;
using Spectre.Console;
using static TorchSharp.torch;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo sample</c>: DDIM samples of a model for one prompt, written as a PNG grid. The model is a world checkpoint
/// or a diffusers Stable Diffusion folder (unet/, vae/, text_encoder/, tokenizer/, scheduler/).
/// </summary>
public sealed class SampleCommand : Command<SampleCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--prompt <TEXT>"), Description("A caption: of the world's grammar for world checkpoints (e.g. \"two red circles on the left on a blue background\"), any text for Stable Diffusion.")]
        public string Prompt { get; init; } = "";

        [CommandOption("-n|--count <N>"), Description("Images to draw (the world: seeds 0…N−1 of the prompt; a diffusers folder: the first N draws of a generator seeded with --seed, as diffusers' num_images_per_prompt).")]
        public int Count { get; init; } = 16;

        [CommandOption("--out <FILE>"), Description("PNG grid to write.")]
        public string Out { get; init; } = "grid.png";

        [CommandOption("--model <PATH>"), Description("World checkpoint, or a diffusers Stable Diffusion folder (default: the world's base model).")]
        public string Model { get; init; } = BaseModelFile.DefaultPath;

        [CommandOption("--steps <N>"), Description("Sampling steps.")]
        public int Steps { get; init; } = new SamplerConfig().Steps;

        [CommandOption("--scheduler <KIND>"), Description("Stable Diffusion: model (the folder's scheduler_config.json: PNDM for SD1.5, as diffusers' pipeline; default) | ddim.")]
        public SamplerKind Scheduler { get; init; } = SamplerKind.Model;

        [CommandOption("--guidance <W>"), Description("Classifier-free guidance scale (default: 3 for the world, 7.5 for Stable Diffusion).")]
        public double? Guidance { get; init; }

        [CommandOption("--size <PIXELS>"), Description("Stable Diffusion only: image side in pixels (default: the UNet's sample_size × the VAE's factor, 512 for SD1.5).")]
        public int? Size { get; init; }

        [CommandOption("--half"), Description("Stable Diffusion only: VAE, text encoder and UNet in float16 (on a GPU).")]
        public bool Half { get; init; }

        [CommandOption("--seed <N>"), Description("Sampler seed.")]
        public int Seed { get; init; } = new SamplerConfig().Seed;

        [CommandOption("--device <DEVICE>"), Description("cpu, cuda or cuda:N.")]
        public string? Device { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Prompt)) return ValidationResult.Error("--prompt is required.");
            if (Count is < 1 or > 1024) return ValidationResult.Error("-n must be in 1…1024.");
            if (Steps is < 1 or > 1000) return ValidationResult.Error("--steps must be in 1…1000.");
            if (Size is < 8 or > 4096) return ValidationResult.Error("--size must be in 8…4096.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        TorchRuntime.Init();
        if (Directory.Exists(settings.Model)) return SampleStableDiffusion(settings);
        SceneSpec? spec = null;
        try
        {
            spec = SceneSpec.Parse(settings.Prompt);
        }
        catch (FormatException e)
        {
            AnsiConsole.MarkupLine($"[yellow]note:[/] {Markup.Escape(e.Message)} The model only knows the world's grammar; unknown words become <unk>.");
        }
        var clock = Stopwatch.StartNew();
        using var model = BaseModelFile.LoadAny(settings.Model, TorchDevice.Default(settings.Device));
        var images = model.Sample(Enumerable.Repeat(settings.Prompt, settings.Count).ToList(),
            new SamplerConfig(settings.Steps, settings.Guidance ?? new SamplerConfig().GuidanceScale, settings.Seed));
        WriteGrid(settings.Out, images, clock);
        if (spec is not null)
        {
            var scores = images.Select(i => PixelOracle.Score(i, spec)).ToList();
            AnsiConsole.MarkupLine($"oracle means: alignment {scores.Average(s => s.Alignment):F3}, aesthetics {scores.Average(s => s.Aesthetics):F3}, detail {scores.Average(s => s.Detail):F3}");
        }
        return 0;
    }

    static int SampleStableDiffusion(Settings settings)
    {
        var clock = Stopwatch.StartNew();
        var device = TorchDevice.Default(settings.Device);
        var dtype = settings.Half ? ScalarType.Float16 : ScalarType.Float32;
        using var model = StableDiffusionModel.Load(settings.Model, device, new StableDiffusionOptions(dtype, dtype));
        var size = settings.Size ?? model.DefaultImageSize;
        var sampler = new SamplerConfig(settings.Steps, settings.Guidance ?? 7.5, settings.Seed, settings.Scheduler);
        AnsiConsole.MarkupLine($"loaded {Markup.Escape(settings.Model)} on {device} ({clock.Elapsed.TotalSeconds:F1} s); {settings.Count} × {size}² px, " +
            $"{settings.Steps} {(settings.Scheduler == SamplerKind.Model ? model.SchedulerSampler().GetType().Name.Replace("Sampler", "").ToUpperInvariant() : "DDIM")} steps, guidance {sampler.GuidanceScale}");
        // Seeded as diffusers' pipe(prompt, num_images_per_prompt=N, generator=torch.Generator().manual_seed(seed)).
        var images = DiffusionSampling.SampleImages(model, Enumerable.Repeat(settings.Prompt, settings.Count).ToList(), sampler, size, size, batchSize: 4,
            seeding: NoiseSeeding.PerPrompt, imagesPerPrompt: settings.Count);
        WriteGrid(settings.Out, images, clock);
        return 0;
    }

    static void WriteGrid(string path, RgbImage[] images, Stopwatch clock)
    {
        var grid = new ImageGrid(images, Columns: Math.Min(8, images.Length)).Tile();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, PngEncoder.Encode(grid));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(path)} ({images.Length} images, {clock.Elapsed.TotalSeconds:F1} s)");
    }
}
