using SemiDpo.Diffusion;
using SemiDpo.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.StableDiffusion;

// Field names are the diffusers state-dict keys (snake_case on purpose): RegisterComponents names parameters after them.

/// <summary>
/// diffusers' <c>ResnetBlock2D</c> (time_embedding_norm "default"): GroupNorm → SiLU → 3×3 conv, plus the projected
/// timestep embedding per channel (absent in the VAE), GroupNorm → SiLU → 3×3 conv; a 1×1 conv_shortcut when the
/// channel count changes.
/// </summary>
public sealed class ResnetBlock2D : Module<Tensor, Tensor?, Tensor>
{
    readonly GroupNormalization norm1;
    readonly Conv2dLayer conv1;
    readonly Linear? time_emb_proj;
    readonly GroupNormalization norm2;
    readonly Conv2dLayer conv2;
    readonly Conv2dLayer? conv_shortcut;

    public ResnetBlock2D(int input, int output, int? timeEmbedding, int groups, double eps) : base(nameof(ResnetBlock2D))
    {
        norm1 = new GroupNormalization(groups, input, eps);
        conv1 = new Conv2dLayer(input, output, 3, padding: 1);
        if (timeEmbedding is { } width) time_emb_proj = Linear(width, output);
        norm2 = new GroupNormalization(groups, output, eps);
        conv2 = new Conv2dLayer(output, output, 3, padding: 1);
        if (input != output) conv_shortcut = new Conv2dLayer(input, output, 1);
        RegisterComponents();
    }

    /// <summary>x (B, C_in, H, W), temb (B, E) or null → (B, C_out, H, W).</summary>
    public override Tensor forward(Tensor x, Tensor? temb)
    {
        using var scope = NewDisposeScope();   // free this block's temporaries now, not at the caller's scope end
        var h = conv1.forward(functional.silu(norm1.forward(x)));
        if (time_emb_proj is not null && temb is not null)
            h = h + Autocast.Linear(time_emb_proj, functional.silu(temb)).unsqueeze(-1).unsqueeze(-1);
        h = conv2.forward(functional.silu(norm2.forward(h)));
        return ((conv_shortcut?.forward(x) ?? x) + h).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// diffusers' <c>Downsample2D</c> with a conv: 3×3, stride 2. Padding 1 in the UNet; padding 0 in the VAE, where the
/// input is first padded by one pixel on the right and bottom (as diffusers does).
/// </summary>
public sealed class Downsample2D : Module<Tensor, Tensor>
{
    readonly Conv2dLayer conv;
    readonly int padding;

    public Downsample2D(int channels, int padding) : base(nameof(Downsample2D))
    {
        this.padding = padding;
        conv = new Conv2dLayer(channels, channels, 3, stride: 2, padding: padding);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        conv.forward(padding == 0 ? functional.pad(x, [0, 1, 0, 1]) : x);
}

/// <summary>diffusers' <c>Upsample2D</c> with a conv: nearest-neighbour ×2 (or to the skip connection's size), then 3×3 conv.</summary>
public sealed class Upsample2D : Module<Tensor, long[]?, Tensor>
{
    readonly Conv2dLayer conv;

    public Upsample2D(int channels) : base(nameof(Upsample2D))
    {
        conv = new Conv2dLayer(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>x (B, C, H, W) → (B, C, 2H, 2W), or (B, C, size) when <paramref name="size"/> is given (odd inputs).</summary>
    public override Tensor forward(Tensor x, long[]? size) => conv.forward(size is null
        ? functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest)
        : functional.interpolate(x, size: size, mode: InterpolationMode.Nearest));
}
