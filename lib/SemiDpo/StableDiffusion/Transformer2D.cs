using SemiDpo.Diffusion;
using SemiDpo.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.StableDiffusion;

// Field names are the diffusers state-dict keys (snake_case on purpose): RegisterComponents names parameters after them.

/// <summary>
/// diffusers' <c>BasicTransformerBlock</c> (layer_norm flavour): x += attn1(norm1(x)) (self), x += attn2(norm2(x), c)
/// (cross, to the text context), x += ff(norm3(x)) (GEGLU).
/// </summary>
public sealed class BasicTransformerBlock : Module<Tensor, Tensor, Tensor>
{
    readonly LayerNorm norm1;
    readonly Attention attn1;
    readonly LayerNorm norm2;
    readonly Attention attn2;
    readonly LayerNorm norm3;
    readonly FeedForward ff;

    public BasicTransformerBlock(int dim, int heads, int contextDim, bool upcast) : base(nameof(BasicTransformerBlock))
    {
        norm1 = LayerNorm(dim, eps: 1e-5);
        attn1 = new Attention(dim, null, heads, dim / heads, bias: false, upcast);
        norm2 = LayerNorm(dim, eps: 1e-5);
        attn2 = new Attention(dim, contextDim, heads, dim / heads, bias: false, upcast);
        norm3 = LayerNorm(dim, eps: 1e-5);
        ff = new FeedForward(dim);
        RegisterComponents();
    }

    /// <summary>x (B, L, C), context (B, L', D) → (B, L, C).</summary>
    public override Tensor forward(Tensor x, Tensor context)
    {
        using var scope = NewDisposeScope();   // free this block's temporaries now, not at the caller's scope end
        x = attn1.forward(norm1.forward(Autocast.Float32(x)), null) + x;
        x = attn2.forward(norm2.forward(Autocast.Float32(x)), context) + x;
        return (ff.forward(norm3.forward(Autocast.Float32(x))) + x).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// diffusers' <c>Transformer2DModel</c> on feature maps: GroupNorm (ε 1e-6) → proj_in (1×1 conv, or linear when
/// use_linear_projection as in SD2) → the transformer blocks over the H·W positions → proj_out, plus the input.
/// </summary>
public sealed class Transformer2DModel : Module<Tensor, Tensor, Tensor>
{
    readonly GroupNormalization norm;
    readonly Module<Tensor, Tensor> proj_in;
    readonly ModuleList<BasicTransformerBlock> transformer_blocks;
    readonly Module<Tensor, Tensor> proj_out;
    readonly bool linearProjection;

    public Transformer2DModel(int channels, int heads, int layers, int contextDim, int groups, bool linearProjection, bool upcast)
        : base(nameof(Transformer2DModel))
    {
        this.linearProjection = linearProjection;
        norm = new GroupNormalization(groups, channels, 1e-6);
        proj_in = linearProjection ? Linear(channels, channels) : new Conv2dLayer(channels, channels, 1);
        transformer_blocks = ModuleList(Enumerable.Range(0, layers).Select(_ => new BasicTransformerBlock(channels, heads, contextDim, upcast)).ToArray());
        proj_out = linearProjection ? Linear(channels, channels) : new Conv2dLayer(channels, channels, 1);
        RegisterComponents();
    }

    /// <summary>x (B, C, H, W), context (B, L, D) → (B, C, H, W).</summary>
    public override Tensor forward(Tensor x, Tensor context)
    {
        var (b, c, hh, ww) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var h = norm.forward(x);
        h = linearProjection
            ? Autocast.Forward(proj_in, h.permute(0, 2, 3, 1).reshape(b, hh * ww, c))
            : proj_in.forward(h).permute(0, 2, 3, 1).reshape(b, hh * ww, c);
        foreach (var block in transformer_blocks) h = block.forward(h, context);
        h = linearProjection
            ? Autocast.Forward(proj_out, h).reshape(b, hh, ww, c).permute(0, 3, 1, 2)
            : proj_out.forward(h.reshape(b, hh, ww, c).permute(0, 3, 1, 2).contiguous());
        return h + x;
    }
}
