using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Torch;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Losses;

[Collection(TorchRandomCollection.Name)]
public class DiffusionDpoLossTests
{
    public DiffusionDpoLossTests() => TorchRuntime.Init();

    [Fact]
    public void OfficialBeta2500_AndDiffusionDpoBeta5000_GiveTheSameLogitAndLoss()
    {
        var policy = tensor(new float[] { 0.10f, 0.30f, 0.12f, 0.20f });     // e_θ: [w0, w1; l0, l1]
        var reference = tensor(new float[] { 0.11f, 0.25f, 0.10f, 0.24f });
        var official = new DiffusionDpoLoss(2500).Logit(policy, reference);
        // Diffusion-DPO's code: model_diff = e_θ(w) − e_θ(l), ref_diff likewise, inside = −0.5·β'·(model_diff − ref_diff)
        var modelDiff = policy[..2] - policy[2..];
        var refDiff = reference[..2] - reference[2..];
        var diffusionDpo = -0.5 * 5000 * (modelDiff - refDiff);

        Assert.Equal(diffusionDpo.data<float>().ToArray(), official.data<float>().ToArray());
        Assert.Equal(official.data<float>().ToArray(), DiffusionDpoLoss.FromDiffusionDpoBeta(5000).Logit(policy, reference).data<float>().ToArray());
        // z by hand for pair 0: 2500·[(0.11 − 0.10) − (0.10 − 0.12)] = 75
        Assert.Equal(75, official[0].item<float>(), 2);
    }

    [Fact]
    public void PolicyEqualToReference_GivesZeroLogitLog2LossAndHalfAccuracy()
    {
        Seeding.Everything(4);
        using var model = new DiffusionModel(new UNetConfig(8, 8), CPU);
        var (w, l) = (randn(3, 3, 32, 32).clamp(-1, 1), randn(3, 3, 32, 32).clamp(-1, 1));
        var tokens = model.Tokens(["one red circle in the center on a white background", "", "two blue squares on the left on a black background"]);

        var output = new DiffusionDpoLoss().Compute(model, model, w, l, tokens, tensor(new long[] { 10, 500, 990 }), randn(3, 3, 32, 32));

        Assert.All(output.Z!.data<float>().ToArray(), z => Assert.Equal(0, z));
        Assert.Equal(Math.Log(2), output.Loss.item<float>(), 5);
        Assert.Equal(0.5, output.Accuracy());
    }

    [Fact]
    public void Gradient_IsMinusOneMinusSigmaZTimesBetaOnTheWinnerError()
    {
        // Eq. 6: ∂L/∂e_θ(x^w) = (1 − σ(z))·β / B and ∂L/∂e_θ(x^l) = −(1 − σ(z))·β / B for the batch mean.
        var policy = tensor(new float[] { 0.10f, 0.30f, 0.12f, 0.20f }, requires_grad: true);
        var reference = tensor(new float[] { 0.11f, 0.25f, 0.10f, 0.24f });
        var loss = new DiffusionDpoLoss(10);
        var z = loss.Logit(policy, reference);
        nn.functional.softplus(-z).mean().backward();

        var f = (1 - sigmoid(z)) * 10 / 2;
        Assert.True(allclose(policy.grad![..2], f, rtol: 1e-5, atol: 1e-7));
        Assert.True(allclose(policy.grad![2..], -f, rtol: 1e-5, atol: 1e-7));
    }
}
