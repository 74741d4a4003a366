using SemiDpo.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.StableDiffusion;

// Field names are the diffusers state-dict keys (snake_case on purpose): RegisterComponents names parameters after them.

/// <summary>
/// diffusers' <c>CrossAttnDownBlock2D</c> (with attentions) or <c>DownBlock2D</c> (without): resnets, each followed by
/// its Transformer2DModel, then a stride-2 downsampler unless it is the last block. Every resnet/attention output and
/// the downsampled map are kept as skip connections for the up path.
/// </summary>
public sealed class UNetDownBlock : Module<Tensor, Tensor, Tensor, (Tensor, List<Tensor>)>
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Transformer2DModel>? attentions;
    readonly ModuleList<Downsample2D>? downsamplers;

    public UNetDownBlock(UNet2DConditionConfig c, int block, int input, int output) : base(c.DownBlockTypes[block])
    {
        var layers = c.LayersPerBlock[block];
        resnets = ModuleList(Enumerable.Range(0, layers).Select(j => new ResnetBlock2D(j == 0 ? input : output, output, c.TimeEmbeddingDim, c.NormNumGroups, c.NormEps)).ToArray());
        if (c.DownBlockTypes[block] == "CrossAttnDownBlock2D")
            attentions = ModuleList(Enumerable.Range(0, layers).Select(_ => new Transformer2DModel(output, c.Heads[block], c.TransformerLayersPerBlock[block],
                c.CrossAttentionDim, c.NormNumGroups, c.UseLinearProjection, c.UpcastAttention)).ToArray());
        if (block < c.Blocks - 1) downsamplers = ModuleList(new Downsample2D(output, c.DownsamplePadding));
        RegisterComponents();
    }

    /// <summary>Checkpoint each resnet and transformer (<see cref="ActivationCheckpoint"/>), as diffusers' gradient_checkpointing.</summary>
    public bool GradientCheckpointing { get; set; }

    public override (Tensor, List<Tensor>) forward(Tensor x, Tensor temb, Tensor context)
    {
        var skips = new List<Tensor>();
        for (var j = 0; j < resnets.Count; j++)
        {
            x = ActivationCheckpoint.Forward(GradientCheckpointing, resnets[j], x, temb);
            if (attentions is not null) x = ActivationCheckpoint.Forward(GradientCheckpointing, attentions[j], x, context);
            skips.Add(x);
        }
        if (downsamplers is not null)
        {
            x = downsamplers[0].forward(x);
            skips.Add(x);
        }
        return (x, skips);
    }
}

/// <summary>diffusers' <c>UNetMidBlock2DCrossAttn</c>: resnet, then (Transformer2DModel, resnet) per transformer stage.</summary>
public sealed class UNetMidBlock2DCrossAttn : Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly ModuleList<Transformer2DModel> attentions;
    readonly ModuleList<ResnetBlock2D> resnets;

    public UNetMidBlock2DCrossAttn(UNet2DConditionConfig c) : base(nameof(UNetMidBlock2DCrossAttn))
    {
        var channels = c.BlockOutChannels[^1];
        attentions = ModuleList(new Transformer2DModel(channels, c.Heads[^1], c.TransformerLayersPerBlock[^1], c.CrossAttentionDim,
            c.NormNumGroups, c.UseLinearProjection, c.UpcastAttention));
        resnets = ModuleList(Enumerable.Range(0, 2).Select(_ => new ResnetBlock2D(channels, channels, c.TimeEmbeddingDim, c.NormNumGroups, c.NormEps)).ToArray());
        RegisterComponents();
    }

    /// <summary>Checkpoint each resnet and transformer (<see cref="ActivationCheckpoint"/>), as diffusers' gradient_checkpointing.</summary>
    public bool GradientCheckpointing { get; set; }

    public override Tensor forward(Tensor x, Tensor temb, Tensor context)
    {
        x = ActivationCheckpoint.Forward(GradientCheckpointing, resnets[0], x, temb);
        for (var i = 0; i < attentions.Count; i++)
            x = ActivationCheckpoint.Forward(GradientCheckpointing, resnets[i + 1], ActivationCheckpoint.Forward(GradientCheckpointing, attentions[i], x, context), temb);
        return x;
    }
}

/// <summary>
/// diffusers' <c>CrossAttnUpBlock2D</c> / <c>UpBlock2D</c>: layers_per_block + 1 resnets, each on the previous map
/// concatenated with the next skip connection (taken from the end), each followed by its attention in the
/// cross-attention flavour; then a nearest ×2 upsampler unless it is the last block.
/// </summary>
public sealed class UNetUpBlock : Module<Tensor, List<Tensor>, Tensor, Tensor, Tensor>
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Transformer2DModel>? attentions;
    readonly ModuleList<Upsample2D>? upsamplers;

    /// <param name="block">Index among the up blocks (0 = the coarsest).</param>
    public UNetUpBlock(UNet2DConditionConfig c, int block) : base(c.UpBlockTypes[block])
    {
        var n = c.Blocks;
        var reversed = c.BlockOutChannels.Reverse().ToArray();
        var (previous, output, input) = (reversed[Math.Max(block - 1, 0)], reversed[block], reversed[Math.Min(block + 1, n - 1)]);
        var layers = c.LayersPerBlock[n - 1 - block] + 1;
        resnets = ModuleList(Enumerable.Range(0, layers).Select(j =>
            new ResnetBlock2D((j == 0 ? previous : output) + (j == layers - 1 ? input : output), output, c.TimeEmbeddingDim, c.NormNumGroups, c.NormEps)).ToArray());
        if (c.UpBlockTypes[block] == "CrossAttnUpBlock2D")
            attentions = ModuleList(Enumerable.Range(0, layers).Select(_ => new Transformer2DModel(output, c.Heads[n - 1 - block],
                c.TransformerLayersPerBlock[n - 1 - block], c.CrossAttentionDim, c.NormNumGroups, c.UseLinearProjection, c.UpcastAttention)).ToArray());
        if (block < n - 1) upsamplers = ModuleList(new Upsample2D(output));
        RegisterComponents();
    }

    public int Layers => resnets.Count;

    /// <summary>Checkpoint each resnet and transformer (<see cref="ActivationCheckpoint"/>), as diffusers' gradient_checkpointing.</summary>
    public bool GradientCheckpointing { get; set; }

    /// <summary>
    /// x, the skip connections still unused (this block takes its <see cref="Layers"/> from the end), temb, context.
    /// The upsampler matches the size of the next block's skip connection, so odd latent sizes work as in diffusers.
    /// </summary>
    public override Tensor forward(Tensor x, List<Tensor> skips, Tensor temb, Tensor context)
    {
        for (var j = 0; j < resnets.Count; j++)
        {
            var skip = skips[^1];
            skips.RemoveAt(skips.Count - 1);
            x = ActivationCheckpoint.Forward(GradientCheckpointing, resnets[j], cat([x, skip], 1), temb);
            if (attentions is not null) x = ActivationCheckpoint.Forward(GradientCheckpointing, attentions[j], x, context);
        }
        return upsamplers is null ? x : upsamplers[0].forward(x, skips.Count > 0 ? skips[^1].shape[2..] : null);
    }
}
