using SemiDpo.Diffusion;
using SemiDpo.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.StableDiffusion;

// Field names are the diffusers state-dict keys (snake_case on purpose): RegisterComponents names parameters after them.

/// <summary>
/// Stable Diffusion's ε-prediction network as diffusers' <c>UNet2DConditionModel</c> (v0.25) builds it from its
/// config: conv_in → down blocks (ResNet + Transformer2D, stride-2 downsamplers) → cross-attention mid block → up
/// blocks with skip connections → GroupNorm → SiLU → conv_out; the timestep enters every ResNet through a sinusoidal
/// embedding and an MLP, the text context every Transformer2D's cross-attention. Parameter names equal diffusers', so
/// a diffusers <c>unet/</c> folder loads without renaming.
/// </summary>
public sealed class UNet2DConditionModel : Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly Conv2dLayer conv_in;
    readonly TimestepEmbedding time_embedding;
    readonly ModuleList<UNetDownBlock> down_blocks;
    readonly UNetMidBlock2DCrossAttn mid_block;
    readonly ModuleList<UNetUpBlock> up_blocks;
    readonly GroupNormalization conv_norm_out;
    readonly Conv2dLayer conv_out;

    public UNet2DConditionModel(UNet2DConditionConfig config) : base(nameof(UNet2DConditionModel))
    {
        Config = config;
        var channels = config.BlockOutChannels;
        conv_in = new Conv2dLayer(config.InChannels, channels[0], 3, padding: 1);
        time_embedding = new TimestepEmbedding(channels[0], config.TimeEmbeddingDim, config.FlipSinToCos, config.FreqShift);
        down_blocks = ModuleList(Enumerable.Range(0, config.Blocks).Select(i => new UNetDownBlock(config, i, channels[Math.Max(i - 1, 0)], channels[i])).ToArray());
        mid_block = new UNetMidBlock2DCrossAttn(config);
        up_blocks = ModuleList(Enumerable.Range(0, config.Blocks).Select(i => new UNetUpBlock(config, i)).ToArray());
        conv_norm_out = new GroupNormalization(config.NormNumGroups, channels[0], config.NormEps);
        conv_out = new Conv2dLayer(channels[0], config.OutChannels, 3, padding: 1);
        RegisterComponents();
    }

    public UNet2DConditionConfig Config { get; }

    /// <summary>
    /// diffusers' <c>enable_gradient_checkpointing()</c>: while gradients are recorded, every resnet and transformer of
    /// the down, mid and up blocks keeps only its inputs and recomputes its forward in the backward
    /// (<see cref="ActivationCheckpoint"/>): less activation memory for one more forward. Off by default, as in
    /// diffusers; the official SD1.5 run trains without it (its SDXL run with it).
    /// </summary>
    public bool GradientCheckpointing
    {
        get => mid_block.GradientCheckpointing;
        set
        {
            foreach (var block in down_blocks) block.GradientCheckpointing = value;
            mid_block.GradientCheckpointing = value;
            foreach (var block in up_blocks) block.GradientCheckpointing = value;
        }
    }

    /// <summary>
    /// Mixed precision: the dtype the forward computes in (bfloat16 or float16) while the weights stay as they are — float32
    /// master weights, as accelerate's <c>mixed_precision</c> trains (<see cref="Autocast"/>); the output is float32, as
    /// accelerate converts it. Null (the default): the weights' dtype.
    /// </summary>
    public ScalarType? ComputeDType { get; set; }

    /// <summary>ε̂(x_t, t, c): sample (B, C_in, H, W), timesteps (B) int64, context (B, L, D) → (B, C_out, H, W).</summary>
    public override Tensor forward(Tensor sample, Tensor timesteps, Tensor context)
    {
        if (ComputeDType is null) return Predict(sample, timesteps, context);
        using var autocast = Autocast.Enter(ComputeDType);
        using var scope = NewDisposeScope();
        return Predict(sample, timesteps, context).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    Tensor Predict(Tensor sample, Tensor timesteps, Tensor context)
    {
        var temb = time_embedding.forward(timesteps);
        var x = conv_in.forward(sample);
        var skips = new List<Tensor> { x };
        foreach (var block in down_blocks)
        {
            (x, var blockSkips) = block.forward(x, temb, context);
            skips.AddRange(blockSkips);
        }
        x = mid_block.forward(x, temb, context);
        foreach (var block in up_blocks) x = block.forward(x, skips, temb, context);
        return conv_out.forward(functional.silu(conv_norm_out.forward(x)));
    }
}
