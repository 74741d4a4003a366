using SemiDpo.Diffusion;
using SemiDpo.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.StableDiffusion;

// Field names are the diffusers state-dict keys (snake_case on purpose): RegisterComponents names parameters after them.

/// <summary>The VAE's diagonal Gaussian over latents: mean and standard deviation (log-variance clamped to [−30, 20]).</summary>
public sealed record LatentDistribution(Tensor Mean, Tensor Std)
{
    /// <summary>A sample, its noise from <paramref name="generator"/> (a training run's own, so runs repeat and data-parallel ranks agree).</summary>
    public Tensor Sample(Generator? generator) => Mean + Std * Noise.Like(Mean, generator);
}

/// <summary>
/// diffusers' <c>AutoencoderKL</c> (SD's VAE): encoder → quant_conv → (mean, log-variance) of the latents;
/// post_quant_conv → decoder → image. Images are in [−1, 1]; the pipeline multiplies latents by the config's
/// scaling factor (see <see cref="StableDiffusionModel"/>).
/// </summary>
public sealed class AutoencoderKL : Module<Tensor, Tensor>
{
    readonly VaeEncoder encoder;
    readonly VaeDecoder decoder;
    readonly Conv2dLayer quant_conv;
    readonly Conv2dLayer post_quant_conv;

    public AutoencoderKL(AutoencoderKLConfig config) : base(nameof(AutoencoderKL))
    {
        Config = config;
        encoder = new VaeEncoder(config);
        decoder = new VaeDecoder(config);
        quant_conv = new Conv2dLayer(2 * config.LatentChannels, 2 * config.LatentChannels, 1);
        post_quant_conv = new Conv2dLayer(config.LatentChannels, config.LatentChannels, 1);
        RegisterComponents();
    }

    public AutoencoderKLConfig Config { get; }

    /// <summary>Images (B, 3, H, W) in [−1, 1] → the latent distribution (B, latent, H/f, W/f).</summary>
    public LatentDistribution Encode(Tensor images)
    {
        var moments = quant_conv.forward(encoder.forward(images)).chunk(2, 1);
        return new LatentDistribution(moments[0], exp(0.5 * moments[1].clamp(-30, 20)));
    }

    /// <summary>Latents (unscaled) → images in about [−1, 1].</summary>
    public Tensor Decode(Tensor latents) => decoder.forward(post_quant_conv.forward(latents));

    /// <summary>Reconstruction through the mean latent.</summary>
    public override Tensor forward(Tensor images) => Decode(Encode(images).Mean);
}

/// <summary>diffusers' VAE <c>Encoder</c>: conv_in → DownEncoderBlock2Ds → mid block → GroupNorm → SiLU → conv_out (2 × latent channels).</summary>
public sealed class VaeEncoder : Module<Tensor, Tensor>
{
    readonly Conv2dLayer conv_in;
    readonly ModuleList<VaeDownBlock> down_blocks;
    readonly VaeMidBlock mid_block;
    readonly GroupNormalization conv_norm_out;
    readonly Conv2dLayer conv_out;

    public VaeEncoder(AutoencoderKLConfig c) : base(nameof(VaeEncoder))
    {
        var channels = c.BlockOutChannels;
        conv_in = new Conv2dLayer(c.InChannels, channels[0], 3, padding: 1);
        down_blocks = ModuleList(Enumerable.Range(0, channels.Length).Select(i =>
            new VaeDownBlock(channels[Math.Max(i - 1, 0)], channels[i], c.LayersPerBlock, c.NormNumGroups, i < channels.Length - 1)).ToArray());
        mid_block = new VaeMidBlock(channels[^1], c.NormNumGroups, c.MidBlockAddAttention);
        conv_norm_out = new GroupNormalization(c.NormNumGroups, channels[^1], 1e-6);
        conv_out = new Conv2dLayer(channels[^1], 2 * c.LatentChannels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = conv_in.forward(x);
        foreach (var block in down_blocks) x = block.forward(x);
        return conv_out.forward(functional.silu(conv_norm_out.forward(mid_block.forward(x))));
    }
}

/// <summary>diffusers' VAE <c>Decoder</c>: conv_in → mid block → UpDecoderBlock2Ds → GroupNorm → SiLU → conv_out.</summary>
public sealed class VaeDecoder : Module<Tensor, Tensor>
{
    readonly Conv2dLayer conv_in;
    readonly VaeMidBlock mid_block;
    readonly ModuleList<VaeUpBlock> up_blocks;
    readonly GroupNormalization conv_norm_out;
    readonly Conv2dLayer conv_out;

    public VaeDecoder(AutoencoderKLConfig c) : base(nameof(VaeDecoder))
    {
        var reversed = c.BlockOutChannels.Reverse().ToArray();
        conv_in = new Conv2dLayer(c.LatentChannels, reversed[0], 3, padding: 1);
        mid_block = new VaeMidBlock(reversed[0], c.NormNumGroups, c.MidBlockAddAttention);
        up_blocks = ModuleList(Enumerable.Range(0, reversed.Length).Select(i =>
            new VaeUpBlock(reversed[Math.Max(i - 1, 0)], reversed[i], c.LayersPerBlock + 1, c.NormNumGroups, i < reversed.Length - 1)).ToArray());
        conv_norm_out = new GroupNormalization(c.NormNumGroups, reversed[^1], 1e-6);
        conv_out = new Conv2dLayer(reversed[^1], c.OutChannels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor z)
    {
        var x = mid_block.forward(conv_in.forward(z));
        foreach (var block in up_blocks) x = block.forward(x);
        return conv_out.forward(functional.silu(conv_norm_out.forward(x)));
    }
}

/// <summary>diffusers' <c>DownEncoderBlock2D</c>: resnets without timestep, then a stride-2 downsampler (padding 0).</summary>
public sealed class VaeDownBlock : Module<Tensor, Tensor>
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Downsample2D>? downsamplers;

    public VaeDownBlock(int input, int output, int layers, int groups, bool downsample) : base("DownEncoderBlock2D")
    {
        resnets = ModuleList(Enumerable.Range(0, layers).Select(j => new ResnetBlock2D(j == 0 ? input : output, output, null, groups, 1e-6)).ToArray());
        if (downsample) downsamplers = ModuleList(new Downsample2D(output, padding: 0));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        foreach (var resnet in resnets) x = resnet.forward(x, null);
        return downsamplers is null ? x : downsamplers[0].forward(x);
    }
}

/// <summary>diffusers' <c>UpDecoderBlock2D</c>: resnets without timestep or skips, then a nearest ×2 upsampler.</summary>
public sealed class VaeUpBlock : Module<Tensor, Tensor>
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Upsample2D>? upsamplers;

    public VaeUpBlock(int input, int output, int layers, int groups, bool upsample) : base("UpDecoderBlock2D")
    {
        resnets = ModuleList(Enumerable.Range(0, layers).Select(j => new ResnetBlock2D(j == 0 ? input : output, output, null, groups, 1e-6)).ToArray());
        if (upsample) upsamplers = ModuleList(new Upsample2D(output));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        foreach (var resnet in resnets) x = resnet.forward(x, null);
        return upsamplers is null ? x : upsamplers[0].forward(x, null);
    }
}

/// <summary>diffusers' <c>UNetMidBlock2D</c> as the VAE uses it: resnet, single-head self-attention over positions (group norm, residual), resnet.</summary>
public sealed class VaeMidBlock : Module<Tensor, Tensor>
{
    readonly ModuleList<Attention>? attentions;
    readonly ModuleList<ResnetBlock2D> resnets;

    public VaeMidBlock(int channels, int groups, bool attention) : base("UNetMidBlock2D")
    {
        if (attention) attentions = ModuleList(new Attention(channels, null, 1, channels, bias: true, normGroups: groups, normEps: 1e-6, residual: true));
        resnets = ModuleList(Enumerable.Range(0, 2).Select(_ => new ResnetBlock2D(channels, channels, null, groups, 1e-6)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = resnets[0].forward(x, null);
        if (attentions is not null) x = attentions[0].forward(x, null);
        return resnets[1].forward(x, null);
    }
}
