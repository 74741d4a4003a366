using SemiDpo.Diffusion;
using SemiDpo.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.World.Model;

/// <summary>Sinusoidal embedding of the timestep (Transformer-style, as in DDPM) followed by a two-layer MLP.</summary>
public sealed class TimestepEmbedding : Module<Tensor, Tensor>
{
    readonly int channels;
    readonly Sequential mlp;

    public TimestepEmbedding(int channels, int width) : base(nameof(TimestepEmbedding))
    {
        this.channels = channels;
        mlp = Sequential(Linear(channels, width), SiLU(), Linear(width, width));
        RegisterComponents();
    }

    public override Tensor forward(Tensor t)
    {
        var half = channels / 2;
        var dtype = mlp.parameters().First().dtype;   // float32 normally, float64 in the PyTorch cross-check
        var frequencies = exp(arange(half, dtype: dtype, device: t.device) * (-Math.Log(10_000) / half));
        var angles = t.to_type(dtype).unsqueeze(1) * frequencies.unsqueeze(0);
        return mlp.forward(cat([sin(angles), cos(angles)], 1));
    }
}

/// <summary>Residual block: GroupNorm → SiLU → 3×3 conv, plus the timestep embedding as a per-channel shift, twice.</summary>
public sealed class ResBlock : Module<Tensor, Tensor, Tensor>
{
    readonly GroupNormalization norm1;
    readonly Conv2dLayer conv1;
    readonly Linear timeShift;
    readonly GroupNormalization norm2;
    readonly Conv2dLayer conv2;
    readonly Module<Tensor, Tensor> skip;

    public ResBlock(int input, int output, int embedding) : base(nameof(ResBlock))
    {
        norm1 = new GroupNormalization(Math.Min(8, input), input);
        conv1 = new Conv2dLayer(input, output, 3, padding: 1);
        timeShift = Linear(embedding, output);
        norm2 = new GroupNormalization(Math.Min(8, output), output);
        conv2 = new Conv2dLayer(output, output, 3, padding: 1);
        skip = input == output ? Identity() : new Conv2dLayer(input, output, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor embedding)
    {
        var h = conv1.forward(functional.silu(norm1.forward(x)));
        h = h + timeShift.forward(functional.silu(embedding)).unsqueeze(-1).unsqueeze(-1);
        h = conv2.forward(functional.silu(norm2.forward(h)));
        return skip.forward(x) + h;
    }
}

/// <summary>Cross-attention from image positions (queries) to caption tokens (keys, values), residual.</summary>
public sealed class CrossAttention : Module<Tensor, Tensor, Tensor>
{
    readonly GroupNormalization norm;
    readonly MultiheadAttention attention;

    public CrossAttention(int channels, int context, int heads = 4) : base(nameof(CrossAttention))
    {
        norm = new GroupNormalization(Math.Min(8, channels), channels);
        attention = MultiheadAttention(channels, heads, kdim: context, vdim: context);
        RegisterComponents();
    }

    /// <summary>x (B, C, H, W), context (B, L, D) → (B, C, H, W).</summary>
    public override Tensor forward(Tensor x, Tensor context)
    {
        var (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var queries = norm.forward(x).flatten(2).permute(2, 0, 1);     // (HW, B, C)
        var keys = context.transpose(0, 1);                            // (L, B, D)
        var (attended, _) = attention.forward(queries, keys, keys, key_padding_mask: null, need_weights: false, attn_mask: null);
        return x + attended.permute(1, 2, 0).reshape(b, c, h, w);
    }
}
