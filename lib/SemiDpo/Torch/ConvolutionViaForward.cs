using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using F = TorchSharp.torch.nn.functional;

namespace SemiDpo.Torch;

/// <summary>
/// 2-D convolution whose backward is itself made of forward convolutions, so that every convolution runs on
/// oneDNN's forward kernels, which are correct and fast, and none on oneDNN's backward kernels, which are wrong on some
/// AVX-512 CPUs (see <see cref="OneDnnSwitch"/>); libtorch's native backward is correct but 3–10× slower.
/// For y = conv(x, W, stride s, padding p), with g = ∂L/∂y:
/// ∂L/∂x = conv(g dilated by s, Wᵀ flipped, padding k−1−p), cropped to x's size (the transposed convolution);
/// ∂L/∂W = conv(xᵀ, gᵀ, padding p, dilation s)ᵀ cropped to k×k (batch and channel axes swapped), and for 1×1
/// kernels a plain matrix product (oneDNN's forward is wrong when the kernel covers the whole unpadded input);
/// ∂L/∂b = Σ g over batch and positions. Checked against float64 autograd in the tests.
/// </summary>
public sealed class ConvolutionViaForward : SingleTensorFunction<ConvolutionViaForward>
{
    public override string Name => nameof(ConvolutionViaForward);

    /// <summary>y = conv2d(x, weight, bias, stride, padding) with square kernels, groups = 1, dilation = 1, padding ≤ k − 1.</summary>
    public static Tensor Apply(Tensor x, Tensor weight, Tensor bias, long stride, long padding)
    {
        var k = weight.shape[2];
        if (weight.shape[3] != k || padding > k - 1 || stride < 1)
            throw new ArgumentException($"Square kernels with 0 ≤ padding ≤ k − 1 and stride ≥ 1 only (kernel {weight.shape[2]}×{weight.shape[3]}, padding {padding}, stride {stride}).");
        return apply(x, weight, bias, stride, padding);
    }

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (x, weight, bias, stride, padding) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (long)vars[3], (long)vars[4]);
        ctx.save_for_backward([x, weight]);
        ctx.save_data(nameof(stride), stride);
        ctx.save_data(nameof(padding), padding);
        using var oneDnn = OneDnnSwitch.ForForward();
        return F.conv2d(x, weight, bias, strides: [stride, stride], padding: [padding, padding]);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor g)
    {
        var saved = ctx.get_saved_variables();
        var (x, weight) = (saved[0], saved[1]);
        var (s, p) = ((long)ctx.get_data("stride"), (long)ctx.get_data("padding"));
        var (n, outChannels, oh, ow) = (g.shape[0], g.shape[1], g.shape[2], g.shape[3]);
        var (h, w, k) = (x.shape[2], x.shape[3], weight.shape[2]);
        using var oneDnn = OneDnnSwitch.ForForward();

        // Dilate g by s (zeros after each row and column; the trailing ones play output_padding), then correlate with
        // the flipped, channel-transposed kernel.
        var dilated = s == 1 ? g : F.pad(g.reshape(n, outChannels, oh, 1, ow, 1), [0, s - 1, 0, 0, 0, s - 1]).reshape(n, outChannels, oh * s, ow * s);
        var gradInput = F.conv2d(dilated, weight.transpose(0, 1).flip(2, 3), padding: [k - 1 - p, k - 1 - p]);
        if (gradInput.shape[2] != h || gradInput.shape[3] != w) gradInput = gradInput[.., .., ..(int)h, ..(int)w];

        Tensor gradWeight;
        if (k == 1 && p == 0)
        {
            // 1×1: a plain matrix product over batch and positions (as a convolution its kernel would cover the whole
            // unpadded input, the case where oneDNN's forward is wrong).
            var xs = s == 1 ? x : x[.., .., TensorIndex.Slice(null, null, s), TensorIndex.Slice(null, null, s)];
            gradWeight = matmul(g.transpose(0, 1).reshape(outChannels, -1), xs.transpose(0, 1).reshape(x.shape[1], -1).T)
                .view(weight.shape);
        }
        else
        {
            // Batch and channel axes swapped: the input's channels become the batch, g's the kernels (dilated by s).
            gradWeight = F.conv2d(x.transpose(0, 1), g.transpose(0, 1), padding: [p, p], dilation: [s, s]);
            gradWeight = gradWeight[.., .., ..(int)k, ..(int)k].transpose(0, 1);
        }
        return [gradInput, gradWeight, g.sum([0, 2, 3]), null!, null!];
    }
}
