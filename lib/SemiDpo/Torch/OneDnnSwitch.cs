using static TorchSharp.torch;

namespace SemiDpo.Torch;

/// <summary>
/// libtorch's oneDNN (mkldnn) CPU switch, as <c>torch.backends.mkldnn.enabled</c> in PyTorch (see
/// <see cref="LibTorchContext"/>).
/// <para>
/// Why it matters: with libtorch 2.10 on AVX-512 CPUs (measured on an AMD EPYC, 2 threads) the oneDNN convolution
/// BACKWARD returns wrong input gradients in about half of the passes of a two-layer conv net (relative error ≈ 0.2
/// against float64; 3–7 of 600 passes non-finite), while the native backward matches float64 to 3e-7. The oneDNN
/// FORWARD is correct at the shapes our models use and 5–8× faster than the native one (it is wrong when the kernel
/// covers the whole unpadded input). Autograd picks the convolution backend when backward runs, so the policy is:
/// oneDNN off by default, <see cref="ForForward"/> turns it on around forwards, and <see cref="Conv2dLayer"/> computes
/// its backward with forward convolutions (<see cref="ConvolutionViaForward"/>). <c>SEMIDPO_MKLDNN=1</c> keeps oneDNN
/// on everywhere.
/// </para>
/// </summary>
public static class OneDnnSwitch
{
    public const string EnvironmentVariable = "SEMIDPO_MKLDNN";

    static bool KeepOn => Environment.GetEnvironmentVariable(EnvironmentVariable) == "1";

    /// <summary>
    /// Applies the default (off unless <c>SEMIDPO_MKLDNN=1</c>) and says what it did; "unchanged" while libtorch is not
    /// loaded yet or does not export the switch.
    /// </summary>
    public static string ApplyDefault()
    {
        var state = LibTorchContext.Set(LibTorchFlag.Mkldnn, KeepOn);
        ForwardOnly = state == false;
        return state switch
        {
            null => "unchanged (libtorch not loaded or without the switch)",
            true => $"on everywhere ({EnvironmentVariable}=1)",
            false => "forward only (backward uses forward kernels: oneDNN's conv backward is wrong on some AVX-512 CPUs)",
        };
    }

    /// <summary>
    /// True once the default policy is in force: oneDNN may only run forwards, so convolutions that need a backward go
    /// through <see cref="ConvolutionViaForward"/> (whatever the switch says inside a <see cref="ForForward"/> scope).
    /// </summary>
    public static bool ForwardOnly { get; private set; }

    /// <summary>Whether oneDNN is enabled now, or null when the switch is not available.</summary>
    public static bool? Enabled() => LibTorchContext.Get(LibTorchFlag.Mkldnn);

    /// <summary>
    /// Turns oneDNN on until disposed, for forwards (with or without grad): the backward of a graph built inside runs
    /// after the scope. Restores the previous state.
    /// </summary>
    public static IDisposable ForForward()
    {
        var previous = Enabled();
        if (previous is true or null) return new Scope(null);
        LibTorchContext.Set(LibTorchFlag.Mkldnn, true);
        return new Scope(previous);
    }

    /// <summary>
    /// <see cref="ForForward()"/> for one convolution: oneDNN on, except for the bfloat16 convolutions libtorch 2.10's
    /// oneDNN computes wrongly on this CPU (kernels larger than 1×1 whose output channels are not a multiple of 16:
    /// relative error 8–32 % against float32, where the native kernel's is 0.3 %, bfloat16's rounding; float16 and
    /// float32 are right), which run natively — among them the UNet's conv_out (4 channels) and the VAE encoder's (8).
    /// </summary>
    /// <param name="weight">The convolution's weight as passed to conv2d (output channels × input channels × kernel).</param>
    public static IDisposable ForConvolution(Tensor weight)
    {
        if (!OneDnnBfloat16Flaw(weight.dtype, weight.shape[0], weight.shape[2] * weight.shape[3])) return ForForward();
        var previous = Enabled();
        if (previous is false or null) return new Scope(null);
        LibTorchContext.Set(LibTorchFlag.Mkldnn, false);
        return new Scope(previous);
    }

    /// <summary>Is this one of the bfloat16 convolution shapes oneDNN gets wrong (see <see cref="ForConvolution"/>)?</summary>
    static bool OneDnnBfloat16Flaw(ScalarType dtype, long outputChannels, long kernelArea) =>
        dtype == ScalarType.BFloat16 && kernelArea > 1 && outputChannels % 16 != 0;

    sealed class Scope(bool? restore) : IDisposable
    {
        public void Dispose()
        {
            if (restore is { } value) LibTorchContext.Set(LibTorchFlag.Mkldnn, value);
        }
    }
}
