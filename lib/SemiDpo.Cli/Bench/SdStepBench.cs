using System.ComponentModel;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using SemiDpo.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace SemiDpo.Cli.Bench;

/// <summary>
/// The timed Diffusion-DPO step of an SD-shaped UNet that <c>bench sd-step</c> (against diffusers) and <c>bench lora</c>
/// (full vs LoRA) share: policy + reference forwards on winner and loser latents, backward, clip, AdamW.
/// </summary>
public static class SdStepBench
{
    /// <summary>An SD1.5-shaped UNet, small enough for 2 CPU cores yet compute-bound: 64/128/128 channels, 768-wide text context.</summary>
    public const string DefaultConfig = """
        {"_class_name": "UNet2DConditionModel", "block_out_channels": [64, 128, 128], "layers_per_block": 2,
         "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
         "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
         "cross_attention_dim": 768, "attention_head_dim": 8, "norm_num_groups": 32, "in_channels": 4, "out_channels": 4, "sample_size": 32}
        """;

    /// <summary>The step's shape and the rounds, as both benches take them.</summary>
    public class Settings : CommandSettings
    {
        [CommandOption("--batch <N>"), Description("Pairs per step.")]
        public int Batch { get; init; } = 4;

        [CommandOption("--latent <N>"), Description("Latent side (32 = 256-pixel images).")]
        public int Latent { get; init; } = 32;

        [CommandOption("--steps <N>"), Description("Timed steps per round (after 3 warm-up steps).")]
        public int Steps { get; init; } = 4;

        [CommandOption("--rounds <N>"), Description("Alternating rounds of each side (the ratio is the median of the per-round ratios).")]
        public int Rounds { get; init; } = 5;

        [CommandOption("--gradient-checkpointing"), Description("Train the UNet with gradient checkpointing (every resnet and transformer recomputed in the backward; diffusers' enable_gradient_checkpointing on the peer's side).")]
        public bool GradientCheckpointing { get; init; }

        [CommandOption("--mixed-precision"), Description("bfloat16 mixed precision: both UNets compute in bfloat16 over float32 weights (UNet2DConditionModel.ComputeDType; torch.autocast(bfloat16) on the peer's side, with group and layer norms in float32 as CUDA's autocast runs them).")]
        public bool MixedPrecision { get; init; }

        public override ValidationResult Validate() =>
            Batch < 1 || Latent < 8 || Steps < 1 || Rounds < 1 ? ValidationResult.Error("--batch, --steps and --rounds must be ≥ 1, --latent ≥ 8.") : ValidationResult.Success();
    }

    /// <summary>
    /// Times the step for a random UNet of <paramref name="config"/>: trained in full against a frozen copy, or through
    /// LoRA adapters against the same UNet with its adapters off; returns the round and the trained parameter count.
    /// </summary>
    internal static (PeerBench.Round Round, long TrainedParameters) Measure(UNet2DConditionConfig config, Settings settings, LoraConfig? lora)
    {
        Seeding.Everything(0);
        var compute = settings.MixedPrecision ? ScalarType.BFloat16 : (ScalarType?)null;
        using var policy = new UNet2DConditionModel(config) { GradientCheckpointing = settings.GradientCheckpointing, ComputeDType = compute };
        UNet2DConditionModel? copy = null;
        if (lora is not null) policy.AddLora(lora);
        else
        {
            copy = new UNet2DConditionModel(config) { ComputeDType = compute };
            copy.load_state_dict(policy.state_dict());
            foreach (var p in copy.parameters()) p.requires_grad = false;
            copy.eval();
        }
        using var reference = copy;
        var parameters = policy.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = new AdamW(parameters, 1e-5, weightDecay: 1e-2);
        var (b, c, side) = (settings.Batch, config.InChannels, settings.Latent);
        using var w = randn(b, c, side, side);
        using var l = randn(b, c, side, side);
        using var context = randn(b, 77, config.CrossAttentionDim);
        static Tensor Forward(UNet2DConditionModel unet, Tensor xt, Tensor t, Tensor ctx)
        {
            using var fast = OneDnnSwitch.ForForward();
            return unet.forward(xt, t, ctx);
        }
        Tensor Reference(Tensor xt, Tensor t, Tensor ctx)
        {
            if (reference is not null) return Forward(reference, xt, t, ctx);
            policy.SetLoraEnabled(false);
            try { return Forward(policy, xt, t, ctx); }
            finally { policy.SetLoraEnabled(true); }
        }
        var round = DpoStepTiming.Time(settings.Steps, w, l, context, (xt, t, ctx) => Forward(policy, xt, t, ctx), Reference, parameters, optimizer);
        return (round, parameters.Sum(p => p.numel()));
    }
}
