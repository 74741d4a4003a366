using SemiDpo.Diffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.World.Model;

/// <summary>Size of a <see cref="TinyUNet"/>.</summary>
/// <param name="Channels">Channels at full resolution (doubled at the coarser levels).</param>
/// <param name="TextWidth">Width of the caption context.</param>
public sealed record UNetConfig(int Channels = 64, int TextWidth = 64)
{
    public int Embedding => 4 * Channels;
}

/// <summary>
/// ε-prediction UNet for 32×32 RGB images conditioned on a caption: two resolution levels down (32 → 16 → 8), a
/// middle with cross-attention to the caption, two up with skip connections and cross-attention at 16×16; the
/// timestep enters every residual block. About 1.5 M parameters at the default size. Owns its text encoder.
/// </summary>
public sealed class TinyUNet : Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly TextEncoder text;
    readonly TimestepEmbedding time;
    readonly Conv2dLayer inputConv;
    readonly ResBlock down1;
    readonly Conv2dLayer downsample1;
    readonly ResBlock down2;
    readonly Conv2dLayer downsample2;
    readonly ResBlock middle1;
    readonly CrossAttention middleAttention;
    readonly ResBlock middle2;
    readonly ResBlock up2;
    readonly CrossAttention upAttention;
    readonly ResBlock up1;
    readonly GroupNormalization outputNorm;
    readonly Conv2dLayer outputConv;

    public TinyUNet(UNetConfig config, int vocabulary) : base(nameof(TinyUNet))
    {
        var (c, e, d) = (config.Channels, config.Embedding, config.TextWidth);
        Config = config;
        text = new TextEncoder(vocabulary, d);
        time = new TimestepEmbedding(c, e);
        inputConv = new Conv2dLayer(3, c, 3, padding: 1);
        down1 = new ResBlock(c, c, e);
        downsample1 = new Conv2dLayer(c, c, 3, stride: 2, padding: 1);
        down2 = new ResBlock(c, 2 * c, e);
        downsample2 = new Conv2dLayer(2 * c, 2 * c, 3, stride: 2, padding: 1);
        middle1 = new ResBlock(2 * c, 2 * c, e);
        middleAttention = new CrossAttention(2 * c, d);
        middle2 = new ResBlock(2 * c, 2 * c, e);
        up2 = new ResBlock(4 * c, c, e);
        upAttention = new CrossAttention(c, d);
        up1 = new ResBlock(2 * c, c, e);
        outputNorm = new GroupNormalization(8, c);
        outputConv = new Conv2dLayer(c, 3, 3, padding: 1);
        RegisterComponents();
    }

    public UNetConfig Config { get; }

    /// <summary>ε̂(x_t, t, caption): x_t (B, 3, 32, 32), t (B) int64, tokens (B, L) int64 → (B, 3, 32, 32).</summary>
    public override Tensor forward(Tensor x, Tensor t, Tensor tokens)
    {
        var context = text.forward(tokens);
        var embedding = time.forward(t);
        var h1 = down1.forward(inputConv.forward(x), embedding);                        // 32×32, c
        var h2 = down2.forward(downsample1.forward(h1), embedding);                     // 16×16, 2c
        var h = middle1.forward(downsample2.forward(h2), embedding);                    // 8×8, 2c
        h = middle2.forward(middleAttention.forward(h, context), embedding);
        h = functional.interpolate(h, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        h = upAttention.forward(up2.forward(cat([h, h2], 1), embedding), context);    // 16×16, c
        h = functional.interpolate(h, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        h = up1.forward(cat([h, h1], 1), embedding);                                    // 32×32, c
        return outputConv.forward(functional.silu(outputNorm.forward(h)));
    }
}
