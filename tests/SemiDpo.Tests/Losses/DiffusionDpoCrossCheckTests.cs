using SemiDpo.Losses;
using SemiDpo.Torch;
using SemiDpo.World.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Losses;

/// <summary>
/// The Diffusion-DPO logits, loss and gradients of our TinyUNet against PyTorch's, from a committed fixture
/// (tests/fixtures/make_dpo_fixture.py with bench/tiny_unet.py, PyTorch 1.13, float64).
/// </summary>
public class DiffusionDpoCrossCheckTests
{
    const double Tolerance = 1e-5;

    public DiffusionDpoCrossCheckTests() => TorchRuntime.Init();

    [Fact]
    public void LogitsLossAndGradients_MatchPyTorch()
    {
        var fixture = SafeTensors.Read(Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "dpo-crosscheck.safetensors"));
        using var policy = Load(fixture, "policy/");
        using var reference = Load(fixture, "reference/");
        var beta = fixture["beta"].item<double>();

        var output = new DiffusionDpoLoss(beta).Compute(policy, reference, fixture["winners"], fixture["losers"], fixture["tokens"], fixture["t"], fixture["noise"]);
        output.Loss.backward();

        AssertClose(fixture["z"], output.Z!.detach(), "z");
        AssertClose(fixture["loss"], output.Loss.detach().reshape(1), "loss");
        foreach (var (name, parameter) in policy.UNet.named_parameters())
            AssertClose(fixture[$"grad/{name}"], parameter.grad!, $"gradient of {name}");
    }

    static DiffusionModel Load(Dictionary<string, Tensor> fixture, string prefix)
    {
        var model = new DiffusionModel(new UNetConfig(Channels: 8, TextWidth: 8), CPU);
        Assert.Equal(fixture[$"{prefix}text.words.weight"].shape[0], model.Tokenizer.VocabularySize);
        model.UNet.to(ScalarType.Float64);
        using (no_grad())
            foreach (var (name, parameter) in model.UNet.named_parameters())
            {
                Assert.True(fixture.ContainsKey(prefix + name), $"the fixture has no {prefix}{name}: regenerate it");
                parameter.copy_(fixture[prefix + name]);
            }
        return model;
    }

    /// <summary>
    /// max |actual − expected| / max |expected| &lt; 1e-5; tensors that are analytically zero (e.g. a conv bias followed
    /// by a one-channel-per-group GroupNorm: PyTorch gives 3e-14) are compared on a 1e-6 floor instead.
    /// </summary>
    static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var error = ((actual.to(float64) - expected).abs().max() / expected.abs().max().clamp_min(1e-6)).item<double>();
        Assert.True(error < Tolerance, $"{what}: relative error {error:E2} (max |PyTorch| {expected.abs().max().item<double>():E2})");
    }
}
