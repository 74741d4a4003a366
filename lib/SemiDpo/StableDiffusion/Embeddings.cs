using SemiDpo.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.StableDiffusion;

// Field names are the diffusers state-dict keys (snake_case on purpose): RegisterComponents names parameters after them.

/// <summary>
/// diffusers' <c>Timesteps</c> + <c>TimestepEmbedding</c>: sinusoidal features of t (DDPM's; computed in float32 as
/// diffusers does: exponent = −ln(10⁴)·k / (half − freq_shift), [sin, cos], swapped to [cos, sin] when
/// flip_sin_to_cos), then linear_1 → SiLU → linear_2.
/// </summary>
public sealed class TimestepEmbedding : Module<Tensor, Tensor>
{
    readonly Linear linear_1;
    readonly Linear linear_2;
    readonly int channels;
    readonly bool flipSinToCos;
    readonly double freqShift;

    public TimestepEmbedding(int channels, int width, bool flipSinToCos, double freqShift) : base(nameof(TimestepEmbedding))
    {
        this.channels = channels;
        this.flipSinToCos = flipSinToCos;
        this.freqShift = freqShift;
        linear_1 = Linear(channels, width);
        linear_2 = Linear(width, width);
        RegisterComponents();
    }

    /// <summary>t (B) → (B, width), in the dtype of the layers.</summary>
    public override Tensor forward(Tensor t)
    {
        var half = channels / 2;
        var exponent = arange(half, dtype: ScalarType.Float32, device: t.device) * (float)(-Math.Log(10_000)) / (float)(half - freqShift);
        var angles = t.to_type(ScalarType.Float32).unsqueeze(1) * exp(exponent).unsqueeze(0);
        var features = flipSinToCos ? cat([cos(angles), sin(angles)], 1) : cat([sin(angles), cos(angles)], 1);
        if (channels % 2 == 1) features = functional.pad(features, [0, 1]);
        var h = Autocast.Linear(linear_1, features.to_type(linear_1.weight!.dtype));
        return Autocast.Linear(linear_2, functional.silu(h));
    }
}
