using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.StableDiffusion;

/// <summary>UNet2DConditionModel.ComputeDType: autocast by hand — lower-precision compute, float32 master weights and gradients.</summary>
[Collection(TorchRandomCollection.Name)]
public class MixedPrecisionTests
{
    public MixedPrecisionTests() => TorchRuntime.Init();

    /// <summary>Output, loss and every trained parameter's gradient after one backward of the tiny UNet on the fixture's inputs.</summary>
    static (Tensor Output, float Loss, Dictionary<string, Tensor> Gradients) Backward(StableDiffusionModel model, ScalarType? compute, bool checkpointing = false)
    {
        var r = SdFixture.Reference();
        model.UNet.train();
        model.UNet.ComputeDType = compute;
        model.UNet.GradientCheckpointing = checkpointing;
        model.UNet.zero_grad();
        var output = model.UNet.forward(r["unet/sample"], r["unet/t"], r["unet/context"]);
        var loss = output.pow(2).mean();
        loss.backward();
        var gradients = model.UNet.named_parameters().Where(p => p.parameter.requires_grad)
            .ToDictionary(p => p.name, p => p.parameter.grad?.clone() ?? throw new Xunit.Sdk.XunitException($"{p.name} got no gradient"));
        return (output.detach(), loss.item<float>(), gradients);
    }

    static double Cosine(IEnumerable<Tensor> a, IEnumerable<Tensor> b)
    {
        using var x = cat(a.Select(t => t.flatten()).ToList());
        using var y = cat(b.Select(t => t.flatten()).ToList());
        return (x.dot(y) / (x.norm() * y.norm())).item<float>();
    }

    [Fact]
    public void Bfloat16Compute_KeepsFloat32Weights_GivesFloat32Gradients_CloseToFullPrecision()
    {
        using var model = SdFixture.Load();
        var (full, fullLoss, fullGradients) = Backward(model, compute: null);
        var (mixed, mixedLoss, mixedGradients) = Backward(model, ScalarType.BFloat16);

        Assert.Equal(ScalarType.Float32, mixed.dtype);
        Assert.All(model.UNet.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.All(mixedGradients.Values, g => Assert.Equal(ScalarType.Float32, g.dtype));
        var relative = ((mixed - full).norm() / full.norm()).item<float>();
        Assert.InRange(relative, 1e-4, 1e-2);   // computed in bfloat16 (8-bit mantissa), not in float32; torch.autocast: 0.41 %
        Assert.InRange(Math.Abs(mixedLoss - fullLoss) / fullLoss, 0, 3e-2);
        Assert.True(Cosine(mixedGradients.Values, fullGradients.Values) > 0.99);
    }

    [Fact]
    public void Bfloat16Compute_WithCheckpointing_RecomputesInBfloat16_AndGivesThePlainMixedGradients()
    {
        using var model = SdFixture.Load();
        var (_, plainLoss, plain) = Backward(model, ScalarType.BFloat16);
        var (_, checkpointedLoss, checkpointed) = Backward(model, ScalarType.BFloat16, checkpointing: true);

        Assert.Equal(plainLoss, checkpointedLoss);
        foreach (var (name, gradient) in plain) SdFixture.AssertClose(gradient, checkpointed[name], name, 1e-5);
    }

    [Fact]
    public void Bfloat16Compute_OfLoraAdapters_GivesThemFloat32Gradients()
    {
        using var model = SdFixture.LoadWithLora();
        var (_, _, full) = Backward(model, compute: null);
        var (_, _, mixed) = Backward(model, ScalarType.BFloat16);

        Assert.Equal(full.Keys, mixed.Keys);
        Assert.All(mixed, g => Assert.True(g.Key.Contains("lora_") && g.Value.dtype == ScalarType.Float32, g.Key));
        Assert.True(Cosine(mixed.Values, full.Values) > 0.99);
    }
}
