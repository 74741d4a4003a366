using System.ComponentModel;
using SemiDpo.Clip;
using SemiDpo.Torch;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace SemiDpo.Cli.Bench;

/// <summary>
/// <c>semidpo bench clip-score</c>: CLIP scoring of a batch of preprocessed images (text tower, image tower, cosine)
/// with our <see cref="ClipModel"/> against openai/CLIP's model.py on Debian's torch (bench/clip_score.py), same
/// architecture, batch and threads, alternating rounds; prints images/s and the time ratio.
/// </summary>
public sealed class BenchClipScoreCommand : Command<BenchClipScoreCommand.Settings>
{
    static readonly string[] Phases = ["text tower", "image tower", "cosine"];

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--reference <DIR>"), Description("Folder holding openai/CLIP's clip/model.py (kept outside the repository).")]
        public string? Reference { get; init; }

        [CommandOption("--size <NAME>"), Description("tiny (the test fixture's: 32-wide text, 64-wide ViT on 32² images) or base (ViT-B/32: 512-wide text, 768-wide ViT on 224² images).")]
        public string Size { get; init; } = "base";

        [CommandOption("--batch <N>"), Description("Images (and captions) per step.")]
        public int Batch { get; init; } = 32;

        [CommandOption("--steps <N>"), Description("Timed steps per round (after 3 warm-up steps).")]
        public int Steps { get; init; } = 5;

        [CommandOption("--rounds <N>"), Description("Alternating rounds (the ratio is the median of the per-round ratios).")]
        public int Rounds { get; init; } = 5;

        [CommandOption("--python <EXE>"), Description("Python with torch.")]
        public string Python { get; init; } = "/usr/bin/python3";

        public override ValidationResult Validate()
        {
            if (Reference is null || !File.Exists(Path.Combine(Reference, "clip", "model.py"))) return ValidationResult.Error("--reference must hold openai/CLIP's clip/model.py.");
            if (Size is not ("tiny" or "base")) return ValidationResult.Error("--size is tiny or base.");
            return Batch < 1 || Steps < 1 || Rounds < 1 ? ValidationResult.Error("--batch, --steps and --rounds must be ≥ 1.") : ValidationResult.Success();
        }
    }

    sealed record Architecture(int Width, int Heads, int Layers, int VisionWidth, int VisionLayers, int Patch, int Image, int Embed, int Vocab);

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var report = TorchRuntime.Init();
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(report.ToString())}[/]");
        var a = settings.Size == "tiny" ? new Architecture(32, 4, 2, 64, 2, 8, 32, 16, 1000) : new Architecture(512, 8, 12, 768, 12, 32, 224, 512, 49408);
        string[] peer = [Path.Combine("bench", "clip_score.py"), "--reference", settings.Reference!, "--width", $"{a.Width}", "--heads", $"{a.Heads}",
            "--layers", $"{a.Layers}", "--vision-width", $"{a.VisionWidth}", "--vision-layers", $"{a.VisionLayers}", "--patch", $"{a.Patch}",
            "--image", $"{a.Image}", "--embed", $"{a.Embed}", "--vocab", $"{a.Vocab}", "--batch", $"{settings.Batch}", "--steps", $"{settings.Steps}",
            "--threads", $"{report.Threads}"];
        return PeerBench.Compare(settings.Rounds, () => MeasureOurs(a, settings),
            () => PeerBench.RunPeer(settings.Python, peer, "The peer needs python3-torch (apt) and openai/CLIP's model.py under --reference; run from the repository root."),
            $"CLIP {settings.Size}, batch {settings.Batch} images, {report.Threads} threads; images/s = batch / step", Phases);
    }

    static PeerBench.Round MeasureOurs(Architecture a, Settings settings)
    {
        Seeding.Everything(0);
        var encoder = (int width, int layers, int heads) => new ClipEncoderConfig(width, 4 * width, layers, heads, "quick_gelu", 1e-5);
        var config = new ClipConfig(new ClipTextConfig(encoder(a.Width, a.Layers, a.Heads), a.Vocab, 77, a.Vocab - 1, "{}"),
            new ClipVisionConfig(encoder(a.VisionWidth, a.VisionLayers, a.VisionWidth / 64), a.Image, a.Patch, 3), a.Embed, 2.6592);
        using var model = new ClipModel(config);
        model.eval();
        using var pixels = randn(settings.Batch, 3, a.Image, a.Image);
        using var ids = randint(0, a.Vocab - 2, [settings.Batch, 77]);
        ids[.., 20] = a.Vocab - 1;
        return PeerBench.Time(settings.Steps, mark =>
        {
            using var noGrad = no_grad();
            using var fast = OneDnnSwitch.ForForward();
            mark();
            var text = model.TextFeatures(ids);
            mark();
            var image = model.ImageFeatures(pixels);
            mark();
            (nn.functional.normalize(text, dim: -1) * nn.functional.normalize(image, dim: -1)).sum(1).data<float>().ToArray();
            mark();
        }, Phases.Length);
    }
}
