using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace SemiDpo.Torch;

/// <summary>
/// Drop-in for <c>nn.Conv2d</c> (square kernel, groups 1; same parameter names "weight" and "bias" and the same
/// initialisation) that, on the CPU with oneDNN kept for forwards (the default, see <see cref="OneDnnSwitch"/>),
/// trains through <see cref="ConvolutionViaForward"/>; elsewhere (CUDA, or <c>SEMIDPO_MKLDNN=1</c>) it is a plain
/// convolution.
/// </summary>
public sealed class Conv2dLayer : Module<Tensor, Tensor>
{
    readonly TorchSharp.Modules.Parameter weight;   // named like nn.Conv2d's, so state dicts match
    readonly TorchSharp.Modules.Parameter bias;
    readonly long stride;
    readonly long padding;

    public Conv2dLayer(long input, long output, long kernel, long stride = 1, long padding = 0) : base(nameof(Conv2dLayer))
    {
        this.stride = stride;
        this.padding = padding;
        weight = Parameter(empty(output, input, kernel, kernel));
        bias = Parameter(empty(output));
        // nn.Conv2d's reset_parameters: kaiming_uniform(a = √5) for the weight, U(±1/√fan_in) for the bias.
        init.kaiming_uniform_(weight, Math.Sqrt(5));
        var bound = 1 / Math.Sqrt(input * kernel * kernel);
        init.uniform_(bias, -bound, bound);
        RegisterComponents();
    }

    /// <summary>The convolution; inside an <see cref="Autocast"/> scope in its dtype (input, weight and bias cast).</summary>
    public override Tensor forward(Tensor x)
    {
        var (input, w, b) = (Autocast.Lower(x), Autocast.Lower(weight), Autocast.Lower(bias));
        if (x.device.type == TorchSharp.DeviceType.CPU && is_grad_enabled() && OneDnnSwitch.ForwardOnly
            && (input.requires_grad || w.requires_grad || b.requires_grad))
            return ConvolutionViaForward.Apply(input, w, b, stride, padding);
        using var oneDnn = OneDnnSwitch.ForConvolution(w);
        return F.conv2d(input, w, b, strides: [stride, stride], padding: [padding, padding]);
    }
}
