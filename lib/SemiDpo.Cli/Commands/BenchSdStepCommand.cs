using System.ComponentModel;
using SemiDpo.Pretrained;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo bench sd-step</c>: one Diffusion-DPO training step of our <see cref="UNet2DConditionModel"/> (policy +
/// frozen reference forwards on winner and loser latents, backward, clip, AdamW) against diffusers'
/// UNet2DConditionModel (bench/sd_dpo_step.py on Debian's torch), same config.json, batch and threads, in alternating
/// rounds; prints the median per-round ratio with its spread, per-phase times and peak memory.
/// </summary>
public sealed class BenchSdStepCommand : Command<BenchSdStepCommand.Settings>
{
    /// <summary>An SD1.5-shaped UNet, small enough for 2 CPU cores yet compute-bound: 64/128/128 channels, 768-wide text context.</summary>
    public const string DefaultConfig = """
        {"_class_name": "UNet2DConditionModel", "block_out_channels": [64, 128, 128], "layers_per_block": 2,
         "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
         "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
         "cross_attention_dim": 768, "attention_head_dim": 8, "norm_num_groups": 32, "in_channels": 4, "out_channels": 4, "sample_size": 32}
        """;

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--reference <DIR>"), Description("Folder with diffusers v0.25.1's src/diffusers and huggingface_hub v0.20.3's src/huggingface_hub (kept outside the repository; see tests/fixtures/make_sd_fixture.py).")]
        public string? Reference { get; init; }

        [CommandOption("--config <FILE>"), Description("A UNet config.json (default: an SD1.5-shaped UNet with 64/128/128 channels).")]
        public string? Config { get; init; }

        [CommandOption("--batch <N>"), Description("Pairs per step.")]
        public int Batch { get; init; } = 4;

        [CommandOption("--latent <N>"), Description("Latent side (32 = 256-pixel images).")]
        public int Latent { get; init; } = 32;

        [CommandOption("--steps <N>"), Description("Timed steps per round (after 3 warm-up steps).")]
        public int Steps { get; init; } = 4;

        [CommandOption("--rounds <N>"), Description("Alternating rounds of each side (the ratio is the median of the per-round ratios).")]
        public int Rounds { get; init; } = 5;

        [CommandOption("--python <EXE>"), Description("Python with torch (Debian: /usr/bin/python3 with python3-torch).")]
        public string Python { get; init; } = "/usr/bin/python3";

        public override ValidationResult Validate()
        {
            if (Reference is null) return ValidationResult.Error("--reference is required: the folder holding diffusers' src/ (see tests/fixtures/make_sd_fixture.py).");
            if (!Directory.Exists(Path.Combine(Reference, "src", "diffusers"))) return ValidationResult.Error($"--reference {Reference} has no src/diffusers.");
            if (Config is not null && !File.Exists(Config)) return ValidationResult.Error($"--config {Config}: no such file.");
            if (Batch < 1 || Latent < 8 || Steps < 1 || Rounds < 1) return ValidationResult.Error("--batch, --steps and --rounds must be ≥ 1, --latent ≥ 8.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var report = TorchRuntime.Init();
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(report.ToString())}[/]");
        var json = settings.Config is null ? DefaultConfig : File.ReadAllText(settings.Config);
        var config = UNet2DConditionConfig.From(ConfigFile.Parse(json, settings.Config ?? "default config"));
        var configFile = Path.Combine(Path.GetTempPath(), $"semidpo-bench-unet-{Environment.ProcessId}.json");
        File.WriteAllText(configFile, json);
        try
        {
            string[] peer = [Path.Combine("bench", "sd_dpo_step.py"), "--reference", settings.Reference!, "--config", configFile, "--batch", $"{settings.Batch}",
                "--latent", $"{settings.Latent}", "--steps", $"{settings.Steps}", "--threads", $"{report.Threads}"];
            return PeerBench.Compare(settings.Rounds, () => MeasureOurs(config, settings),
                () => PeerBench.RunPeer(settings.Python, peer, "The peer needs python3-torch (apt) and diffusers v0.25.1 under --reference; run from the repository root."),
                $"UNet {string.Join("/", config.BlockOutChannels)} channels, batch {settings.Batch} pairs, {settings.Latent}² latents, {report.Threads} threads");
        }
        finally
        {
            File.Delete(configFile);
        }
    }

    static PeerBench.Round MeasureOurs(UNet2DConditionConfig config, Settings settings)
    {
        Seeding.Everything(0);
        using var policy = new UNet2DConditionModel(config);
        using var reference = new UNet2DConditionModel(config);
        reference.load_state_dict(policy.state_dict());
        reference.eval();
        foreach (var p in reference.parameters()) p.requires_grad = false;
        var parameters = policy.parameters().ToList();
        using var optimizer = optim.AdamW(parameters, 1e-5, weight_decay: 1e-2);
        var (b, c, side) = (settings.Batch, config.InChannels, settings.Latent);
        using var w = randn(b, c, side, side);
        using var l = randn(b, c, side, side);
        using var context = randn(b, 77, config.CrossAttentionDim);
        Func<Tensor, Tensor, Tensor, Tensor> Predict(UNet2DConditionModel unet) => (xt, t, ctx) =>
        {
            using var fast = OneDnnSwitch.ForForward();
            return unet.forward(xt, t, ctx);
        };
        return DpoStepTiming.Time(settings.Steps, w, l, context, Predict(policy), Predict(reference), parameters, optimizer);
    }
}
