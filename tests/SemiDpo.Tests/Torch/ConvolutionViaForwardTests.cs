using SemiDpo.Torch;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SemiDpo.Tests.Torch;

public class ConvolutionViaForwardTests
{
    public ConvolutionViaForwardTests() => TorchRuntime.Init();

    [Theory]
    [InlineData(3, 1, 1, 16, 16)]
    [InlineData(3, 2, 1, 16, 16)]
    [InlineData(3, 2, 1, 9, 7)]
    [InlineData(1, 1, 0, 8, 8)]
    [InlineData(3, 1, 0, 10, 10)]
    public void Gradients_MatchFloat64Autograd(int kernel, int stride, int padding, int height, int width)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        var x = randn([4, 6, height, width], generator: generator);
        var w = randn([5, 6, kernel, kernel], generator: generator) * 0.2;
        var b = randn([5], generator: generator);
        var (xa, wa, ba) = (x.clone().requires_grad_(true), w.clone().requires_grad_(true), b.clone().requires_grad_(true));
        var (xr, wr, br) = (x.to(float64).requires_grad_(true), w.to(float64).requires_grad_(true), b.to(float64).requires_grad_(true));

        var y = ConvolutionViaForward.Apply(xa, wa, ba, stride, padding);
        var reference = F.conv2d(xr, wr, br, strides: [stride, stride], padding: [padding, padding]);
        var upstream = randn(reference.shape, generator: generator);
        y.backward([upstream]);
        reference.backward([upstream.to(float64)]);

        Assert.Equal(reference.shape, y.shape);
        Assert.True(RelativeError(y, reference) < 1e-5);
        Assert.True(RelativeError(xa.grad!, xr.grad!) < 1e-5, $"input gradient off by {RelativeError(xa.grad!, xr.grad!):E1}");
        Assert.True(RelativeError(wa.grad!, wr.grad!) < 1e-5, $"weight gradient off by {RelativeError(wa.grad!, wr.grad!):E1}");
        Assert.True(RelativeError(ba.grad!, br.grad!) < 1e-5);
    }

    /// <summary>Every convolution shape of the base-size TinyUNet, at the batch sizes training uses (the batch becomes the channels of the weight-gradient convolution).</summary>
    [Theory]
    [InlineData(3, 32, 3, 1, 32)]
    [InlineData(32, 32, 3, 1, 32)]
    [InlineData(32, 32, 3, 2, 32)]
    [InlineData(32, 64, 3, 1, 16)]
    [InlineData(32, 64, 1, 1, 16)]
    [InlineData(64, 64, 3, 2, 16)]
    [InlineData(64, 64, 3, 1, 8)]
    [InlineData(128, 32, 3, 1, 16)]
    [InlineData(128, 32, 1, 1, 16)]
    [InlineData(64, 32, 3, 1, 32)]
    [InlineData(32, 3, 3, 1, 32)]
    public void Gradients_MatchFloat64_ForTheUNetShapes_AtEveryTrainingBatchSize(int input, int output, int kernel, int stride, int size)
    {
        foreach (var batch in new[] { 1, 2, 8, 16, 32, 64 })
        {
            using var scope = NewDisposeScope();
            var generator = new Generator((ulong)(batch * 1000 + input));
            var x = randn([batch, input, size, size], generator: generator);
            var w = randn([output, input, kernel, kernel], generator: generator) * 0.1;
            var b = randn([output], generator: generator);
            var (xa, wa) = (x.clone().requires_grad_(true), w.clone().requires_grad_(true));
            var (xr, wr) = (x.to(float64).requires_grad_(true), w.to(float64).requires_grad_(true));
            var padding = kernel / 2;
            var y = ConvolutionViaForward.Apply(xa, wa, b, stride, padding);
            var reference = F.conv2d(xr, wr, b.to(float64), strides: [stride, stride], padding: [padding, padding]);
            var upstream = randn(reference.shape, generator: generator);
            y.backward([upstream]);
            reference.backward([upstream.to(float64)]);
            Assert.True(RelativeError(xa.grad!, xr.grad!) < 1e-4, $"batch {batch}: input gradient off by {RelativeError(xa.grad!, xr.grad!):E1}");
            Assert.True(RelativeError(wa.grad!, wr.grad!) < 1e-4, $"batch {batch}: weight gradient off by {RelativeError(wa.grad!, wr.grad!):E1}");
        }
    }

    /// <summary>
    /// A frozen convolution (LoRA's, or a frozen UNet's) gives its input's gradient and computes none for its weight and
    /// bias; a first convolution (input without gradient) gives the weight's and bias's and none for its input.
    /// </summary>
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void OnlyTheGradientsRequired_AreComputed_AndTheyMatchFloat64(bool inputGrad, bool weightGrad)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(11);
        var x = randn([2, 6, 9, 9], generator: generator);
        var w = randn([5, 6, 3, 3], generator: generator) * 0.2;
        var b = randn([5], generator: generator);
        var (xa, wa, ba) = (x.clone().requires_grad_(inputGrad), w.clone().requires_grad_(weightGrad), b.clone().requires_grad_(weightGrad));
        var (xr, wr, br) = (x.to(float64).requires_grad_(inputGrad), w.to(float64).requires_grad_(weightGrad), b.to(float64).requires_grad_(weightGrad));

        var y = ConvolutionViaForward.Apply(xa, wa, ba, 2, 1);
        var reference = F.conv2d(xr, wr, br, strides: [2, 2], padding: [1, 1]);
        var upstream = randn(reference.shape, generator: generator);
        y.backward([upstream]);
        reference.backward([upstream.to(float64)]);

        Assert.Equal(inputGrad, xa.grad is not null);
        Assert.Equal(weightGrad, wa.grad is not null);
        Assert.Equal(weightGrad, ba.grad is not null);
        if (inputGrad) Assert.True(RelativeError(xa.grad!, xr.grad!) < 1e-5);
        if (weightGrad)
        {
            Assert.True(RelativeError(wa.grad!, wr.grad!) < 1e-5);
            Assert.True(RelativeError(ba.grad!, br.grad!) < 1e-5);
        }
    }

    [Fact]
    public void Conv2dLayer_NamesItsParametersLikeNnConv2d()
    {
        var names = new Conv2dLayer(3, 4, 3, padding: 1).named_parameters().Select(p => p.name).ToArray();
        var expected = TorchSharp.torch.nn.Conv2d(3, 4, 3, padding: 1).named_parameters().Select(p => p.name).ToArray();
        Assert.Equal(expected, names);
    }

    static double RelativeError(Tensor actual, Tensor expected) =>
        ((actual.to(float64) - expected).abs().max() / expected.abs().max()).item<double>();
}
