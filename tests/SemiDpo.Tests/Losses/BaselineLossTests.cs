using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Torch;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Losses;

[Collection(TorchRandomCollection.Name)]
public class BaselineLossTests
{
    public BaselineLossTests() => TorchRuntime.Init();

    /// <summary>Two different small models and one batch of three pairs.</summary>
    internal static (DiffusionModel Policy, DiffusionModel Reference, Tensor W, Tensor L, Tensor Tokens, Tensor T, Tensor Noise) Batch()
    {
        Seeding.Everything(11);
        var policy = new DiffusionModel(new UNetConfig(8, 8), CPU);
        var reference = new DiffusionModel(new UNetConfig(8, 8), CPU);
        var tokens = policy.Tokens(["one red circle in the center on a white background", "", "two blue squares on the left on a black background"]);
        return (policy, reference, randn(3, 3, 32, 32).clamp(-1, 1), randn(3, 3, 32, 32).clamp(-1, 1), tokens, tensor(new long[] { 10, 500, 990 }), randn(3, 3, 32, 32));
    }

    [Fact]
    public void ConservativeDpo_IsTheSmoothedMixtureOfBothLabelDirections()
    {
        var (policy, reference, w, l, tokens, t, noise) = Batch();
        using (policy)
        using (reference)
        {
            var z = new DiffusionDpoLoss().Compute(policy, reference, w, l, tokens, t, noise).Z!.detach();
            var cdpo = new ConservativeDpoLoss(smoothing: 0.2).Compute(policy, reference, w, l, tokens, t, noise);
            var expected = (0.8 * nn.functional.softplus(-z) + 0.2 * nn.functional.softplus(z)).mean().item<float>();

            Assert.Equal(expected, cdpo.Loss.item<float>(), 5);
            Assert.Equal(z.data<float>().ToArray(), cdpo.Z!.detach().data<float>().ToArray());
            Assert.Equal(new DiffusionDpoLoss().Compute(policy, reference, w, l, tokens, t, noise).Loss.item<float>(),
                new ConservativeDpoLoss(smoothing: 0).Compute(policy, reference, w, l, tokens, t, noise).Loss.item<float>(), 6);
        }
    }

    [Fact]
    public void ConservativeDpo_RefusesSmoothingOfHalfOrMore() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConservativeDpoLoss(smoothing: 0.5));

    [Fact]
    public void DiffusionKto_MatchesItsFormulaFromThePerImageErrors()
    {
        var (policy, reference, w, l, tokens, t, noise) = Batch();
        using (policy)
        using (reference)
        {
            const double beta = 2500;
            var (pe, re) = DiffusionDpoLoss.PairErrors(policy, reference, w, l, tokens, t, noise);
            var r = (beta * (re - pe.detach())).data<float>().ToArray();   // [winners; losers]
            var q = Math.Max(0, r.Average());
            double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
            var expected = Enumerable.Range(0, 3).Average(i => (1 - Sigmoid(r[i] - q)) + (1 - Sigmoid(q - r[3 + i]))) / 2;

            var kto = new DiffusionKtoLoss(beta).Compute(policy, reference, w, l, tokens, t, noise);

            Assert.Equal(expected, kto.Loss.item<float>(), 4);
            Assert.Equal(Enumerable.Range(0, 3).Select(i => (double)r[i] - r[3 + i]).ToArray(), kto.Z!.detach().data<float>().ToArray().Select(v => (double)v).ToArray(),
                new ToleranceComparer(1e-3));
        }
    }

    [Fact]
    public void DiffusionKto_PolicyEqualToReference_GivesHalfLoss()
    {
        var (policy, _, w, l, tokens, t, noise) = Batch();
        using (policy)
            Assert.Equal(0.5, new DiffusionKtoLoss().Compute(policy, policy, w, l, tokens, t, noise).Loss.item<float>(), 6);
    }

    [Fact]
    public void Sft_IsThePolicyDenoisingErrorOfTheWinners_LosersAndReferenceIgnored()
    {
        var (policy, reference, w, l, tokens, t, noise) = Batch();
        using (policy)
        using (reference)
        {
            var sft = new SupervisedFineTuningLoss();
            var output = sft.Compute(policy, reference, w, l, tokens, t, noise);
            var expected = DiffusionDpoLoss.Errors(policy, policy.Schedule.QSample(w, noise, t), t, tokens, noise).mean().item<float>();

            Assert.Equal(expected, output.Loss.item<float>(), 6);
            Assert.Equal(expected, sft.Compute(policy, policy, w, randn_like(l), tokens, t, noise).Loss.item<float>(), 6);
            Assert.Null(output.Z);
            Assert.True(double.IsNaN(output.Accuracy()));
        }
    }

    sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(x));
        public int GetHashCode(double obj) => 0;
    }
}
