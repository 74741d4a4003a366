using System.ComponentModel;
using SemiDpo.Pretrained;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Bench;

/// <summary>
/// <c>semidpo bench sd-step</c>: one Diffusion-DPO training step of our <see cref="UNet2DConditionModel"/> (policy +
/// frozen reference forwards on winner and loser latents, backward, clip, AdamW) against diffusers'
/// UNet2DConditionModel (bench/sd_dpo_step.py on Debian's torch), same config.json, batch and threads, in alternating
/// rounds; prints the median per-round ratio with its spread, per-phase times and peak memory.
/// </summary>
public sealed class BenchSdStepCommand : Command<BenchSdStepCommand.Settings>
{
    public sealed class Settings : SdStepBench.Settings
    {
        [CommandOption("--reference <DIR>"), Description("Folder with diffusers v0.25.1's src/diffusers and huggingface_hub v0.20.3's src/huggingface_hub (kept outside the repository; see tests/fixtures/make_sd_fixture.py).")]
        public string? Reference { get; init; }

        [CommandOption("--config <FILE>"), Description("A UNet config.json, or sd15 for Stable Diffusion 1.5's exact UNet (859.5M parameters; with --batch 1 --latent 8, 64² images) (default: an SD1.5-shaped UNet with 64/128/128 channels).")]
        public string? Config { get; init; }

        [CommandOption("--lora <RANK>"), Description("Train LoRA adapters of this rank (to_q/to_k/to_v/to_out.0, α = rank) on both sides, against the same UNet with its adapters off; 0: the full UNet against a frozen copy.")]
        public int Lora { get; init; }

        [CommandOption("--python <EXE>"), Description("Python with torch (Debian: /usr/bin/python3 with python3-torch).")]
        public string Python { get; init; } = "/usr/bin/python3";

        public override ValidationResult Validate()
        {
            if (Reference is null) return ValidationResult.Error("--reference is required: the folder holding diffusers' src/ (see tests/fixtures/make_sd_fixture.py).");
            if (!Directory.Exists(Path.Combine(Reference, "src", "diffusers"))) return ValidationResult.Error($"--reference {Reference} has no src/diffusers.");
            if (Config is not null && Config != "sd15" && !File.Exists(Config)) return ValidationResult.Error($"--config {Config}: no such file.");
            if (Lora < 0) return ValidationResult.Error("--lora is a rank ≥ 1, or 0 for the full UNet.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var report = TorchRuntime.Init();
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(report.ToString())}[/]");
        var json = settings.Config switch
        {
            null => SdStepBench.DefaultConfig,
            "sd15" => UNet2DConditionConfig.StableDiffusion15.Json,
            var file => File.ReadAllText(file),
        };
        var config = UNet2DConditionConfig.From(ConfigFile.Parse(json, settings.Config ?? "default config"));
        var configFile = Path.Combine(Path.GetTempPath(), $"semidpo-bench-unet-{Environment.ProcessId}.json");
        File.WriteAllText(configFile, json);
        try
        {
            string[] peer = [Path.Combine("bench", "sd_dpo_step.py"), "--reference", settings.Reference!, "--config", configFile, "--batch", $"{settings.Batch}",
                "--latent", $"{settings.Latent}", "--steps", $"{settings.Steps}", "--threads", $"{report.Threads}", "--lora-rank", $"{settings.Lora}",
                .. settings.GradientCheckpointing ? ["--gradient-checkpointing"] : Array.Empty<string>(),
                .. settings.MixedPrecision ? ["--mixed-precision"] : Array.Empty<string>()];
            var lora = settings.Lora > 0 ? new LoraConfig(settings.Lora, settings.Lora) : null;
            return PeerBench.Compare(settings.Rounds, () => SdStepBench.Measure(config, settings, lora).Round,
                () => PeerBench.RunPeer(settings.Python, peer, "The peer needs python3-torch (apt) and diffusers v0.25.1 under --reference; run from the repository root."),
                $"UNet {string.Join("/", config.BlockOutChannels)} channels, {(lora is null ? "full" : $"LoRA rank {lora.Rank}")}{(settings.GradientCheckpointing ? ", gradient checkpointing" : "")}{(settings.MixedPrecision ? ", bfloat16 mixed precision" : "")}, batch {settings.Batch} pairs, {settings.Latent}² latents, {report.Threads} threads");
        }
        finally
        {
            File.Delete(configFile);
        }
    }
}
