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

    public override Tensor forward(Tensor x)
    {
        if (x.device.type == TorchSharp.DeviceType.CPU && is_grad_enabled() && OneDnnSwitch.ForwardOnly
            && (x.requires_grad || weight.requires_grad || bias.requires_grad))
            return ConvolutionViaForward.Apply(x, weight, bias, stride, padding);
        using var oneDnn = OneDnnSwitch.ForForward();
        return F.conv2d(x, weight, bias, strides: [stride, stride], padding: [padding, padding]);
    }
}
