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
/// ∂L/∂b = Σ g over batch and positions. Only the gradients of inputs that require one are computed, and only what
/// they need is saved (a frozen weight, as in LoRA or a frozen UNet's convolutions, costs neither its gradient nor a
/// saved copy of x). Checked against float64 autograd in the tests.
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
        var needs = new Needs(x.requires_grad, weight.requires_grad, bias.requires_grad);
        // ∂L/∂x needs W (and x's size), ∂L/∂W needs x.
        ctx.save_for_backward([needs.Weight ? x : empty(0), needs.Input ? weight : empty(0)]);
        ctx.save_data(nameof(Needs), needs);
        ctx.save_data("size", x.shape);
        ctx.save_data("kernel", weight.shape[2]);
        ctx.save_data(nameof(stride), stride);
        ctx.save_data(nameof(padding), padding);
        using var oneDnn = OneDnnSwitch.ForConvolution(weight);
        return F.conv2d(x, weight, bias, strides: [stride, stride], padding: [padding, padding]);
    }

    /// <summary>
    /// The gradients the previous backward on this thread returned. TorchSharp hands autograd their native handles and
    /// leaves the .NET objects to the garbage collector, which knows nothing of their size; autograd holds its own
    /// references once a backward returns, so the next backward disposes them.
    /// </summary>
    [ThreadStatic] static List<Tensor>? returned;

    public override List<Tensor> backward(AutogradContext ctx, Tensor g)
    {
        returned?.ForEach(t => t.Dispose());
        // Everything this backward makes but returns — g's and the saved tensors' handles, the flipped weight, the
        // weight gradient's uncropped convolution — is freed here, not when the collector gets to it: on SD1.5's UNet
        // that was two copies of the convolution weights (4.5 GB) alive after each backward.
        using var gradOutput = g;
        using var scope = NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var (x, weight) = (saved[0], saved[1]);
        var needs = (Needs)ctx.get_data(nameof(Needs));
        var size = (long[])ctx.get_data("size");
        var (k, s, p) = ((long)ctx.get_data("kernel"), (long)ctx.get_data("stride"), (long)ctx.get_data("padding"));
        List<Tensor> gradients = [needs.Input ? GradInput(g, weight, size, s, p) : null!, needs.Weight ? GradWeight(g, x, k, s, p) : null!,
            needs.Bias ? g.sum([0, 2, 3]) : null!, null!, null!];
        returned = [.. gradients.Where(t => t is not null).Select(t => t.DetachFromDisposeScope())];
        return gradients;
    }

    /// <summary>Which of x, W and b require a gradient (PyTorch's <c>ctx.needs_input_grad</c>).</summary>
    sealed record Needs(bool Input, bool Weight, bool Bias);

    static Tensor GradInput(Tensor g, Tensor weight, long[] size, long s, long p)
    {
        var (n, outChannels, oh, ow) = (g.shape[0], g.shape[1], g.shape[2], g.shape[3]);
        var (h, w, k) = (size[2], size[3], weight.shape[2]);

        // Dilate g by s (zeros after each row and column; the trailing ones play output_padding), then correlate with
        // the flipped, channel-transposed kernel.
        var dilated = s == 1 ? g : F.pad(g.reshape(n, outChannels, oh, 1, ow, 1), [0, s - 1, 0, 0, 0, s - 1]).reshape(n, outChannels, oh * s, ow * s);
        var kernel = weight.transpose(0, 1).flip(2, 3);
        using var oneDnn = OneDnnSwitch.ForConvolution(kernel);
        var gradInput = F.conv2d(dilated, kernel, padding: [k - 1 - p, k - 1 - p]);
        return gradInput.shape[2] != h || gradInput.shape[3] != w ? gradInput[.., .., ..(int)h, ..(int)w] : gradInput;
    }

    static Tensor GradWeight(Tensor g, Tensor x, long k, long s, long p)
    {
        var outChannels = g.shape[1];
        if (k == 1 && p == 0)
        {
            // 1×1: a plain matrix product over batch and positions (as a convolution its kernel would cover the whole
            // unpadded input, the case where oneDNN's forward is wrong).
            var xs = s == 1 ? x : x[.., .., TensorIndex.Slice(null, null, s), TensorIndex.Slice(null, null, s)];
            return matmul(g.transpose(0, 1).reshape(outChannels, -1), xs.transpose(0, 1).reshape(x.shape[1], -1).T)
                .view(outChannels, x.shape[1], 1, 1);
        }
        // Batch and channel axes swapped: the input's channels become the batch, g's the kernels (dilated by s).
        var kernels = g.transpose(0, 1);
        using var oneDnn = OneDnnSwitch.ForConvolution(kernels);
        var gradWeight = F.conv2d(x.transpose(0, 1), kernels, padding: [p, p], dilation: [s, s]);
        return gradWeight[.., .., ..(int)k, ..(int)k].transpose(0, 1);
    }
}
