using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Preferences;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Losses;

/// <summary>Poly-DPO and Adaptive-DPO against their formulas; the expected numbers marked "torch" were computed with the authors' expressions in PyTorch 1.13 (float64).</summary>
[Collection(TorchRandomCollection.Name)]
public class RelatedMethodLossTests
{
    public RelatedMethodLossTests() => TorchRuntime.Init();

    static (DiffusionModel Policy, DiffusionModel Reference, Tensor W, Tensor L, Tensor Tokens, Tensor T, Tensor Noise) Batch() => BaselineLossTests.Batch();

    static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
    static double Softplus(double x) => Math.Log(1 + Math.Exp(x));

    [Fact]
    public void PolyDpo_IsMinusLogSigmaPlusAlphaTimesOneMinusSigma_OfTheDpoLogit()
    {
        var (policy, reference, w, l, tokens, t, noise) = Batch();
        using (policy)
        using (reference)
        {
            var (pe, re) = DiffusionDpoLoss.PairErrors(policy, reference, w, l, tokens, t, noise);
            var p = pe.detach().data<float>().ToArray();
            var r = re.data<float>().ToArray();
            var z = Enumerable.Range(0, 3).Select(i => 2500.0 * ((r[i] - r[3 + i]) - (p[i] - p[3 + i]))).ToArray();
            var expected = z.Average(v => Softplus(-v) + 4 * (1 - Sigmoid(v)));

            var poly = new PolyDpoLoss(alpha: 4).Compute(policy, reference, w, l, tokens, t, noise);

            Assert.Equal(expected, poly.Loss.item<float>(), 3);
            Assert.Equal(new DiffusionDpoLoss().Compute(policy, reference, w, l, tokens, t, noise).Loss.item<float>(),
                new PolyDpoLoss(alpha: 0).Compute(policy, reference, w, l, tokens, t, noise).Loss.item<float>(), 6);
        }
    }

    [Theory]
    [InlineData(0.0, 0.3)]
    [InlineData(8.0, 0.3)]
    [InlineData(8.0, -2.0)]
    [InlineData(-1.0, 1.5)]
    public void PolyDpo_GradientIsTheDpoGradientTimesOnePlusAlphaSigma(double alpha, double logit)
    {
        var z = tensor(new[] { logit }, requires_grad: true);
        new PolyDpoLoss(alpha: alpha).Of(z).sum().backward();
        var p = Sigmoid(logit);
        Assert.Equal(-(1 - p) * (1 + alpha * p), z.grad!.item<double>(), 10);
    }

    [Fact]
    public void AdaptiveDpo_WithUnitWeightAndNoMargin_IsDiffusionDpo()
    {
        var (policy, reference, w, l, tokens, t, noise) = Batch();
        using (policy)
        using (reference)
        {
            var plain = new AdaptiveDpoLoss(new AdaptiveDpoConfig(Temperature: 0, Intercept: 1, UseEma: false, Margin: MinorityMargin.None));
            var adaptive = plain.Compute(policy, reference, w, l, tokens, t, noise);
            var dpo = new DiffusionDpoLoss().Compute(policy, reference, w, l, tokens, t, noise);

            Assert.Equal(dpo.Loss.item<float>(), adaptive.Loss.item<float>(), 6);
            Assert.Equal(dpo.Z!.detach().data<float>().ToArray(), adaptive.Z!.detach().data<float>().ToArray());
        }
    }

    [Theory]
    [InlineData(MinorityMargin.Linear, new[] { 0.237056111166387, 0.11798277939795018, 0.3869137842252185 })]      // torch
    [InlineData(MinorityMargin.Quadratic, new[] { 0.2370629073693793, 0.11799048904907188, 0.3869137842252185 })]  // torch
    public void AdaptiveDpo_PerPairLoss_MatchesTheAuthorsExpression(MinorityMargin margin, double[] expected)
    {
        var loss = new AdaptiveDpoLoss(new AdaptiveDpoConfig(Margin: margin));
        var ell = tensor(new[] { 2e-4, -1e-4, 3e-4 });
        var minority = tensor(new[] { 0.1, 0.6, 0.0 });

        var actual = loss.Of(ell, minority).data<double>().ToArray();

        for (var i = 0; i < 3; i++) Assert.Equal(expected[i], actual[i], 9);
    }

    [Theory]
    [InlineData(false, 1e4, new[] { 0.19493386260305792, 0.6269323593259608 })]   // torch
    [InlineData(true, 15, new[] { 0.00081340764495208, 0.6662602112582658 })]    // torch
    public void MinorityMetric_IsDistanceFromAgreementTimesClampedSpreadAcrossTheModels(bool normalize, double rho, double[] expected)
    {
        var ells = tensor(new[] { 1e-4, -2e-4, 2e-4, -1e-4, 0.5e-4, 1e-4 }, [3, 2]);

        var m = AdaptiveDpoLoss.Minority(ells, rho, normalize).data<double>().ToArray();

        Assert.Equal(expected[0], m[0], 9);
        Assert.Equal(expected[1], m[1], 9);
    }

    [Fact]
    public void MinorityMetric_OfAModelEqualToTheReference_IsFinite()
    {
        var ells = tensor(new[] { 0.0, 0.0, 2e-4, -1e-4, 0.5e-4, 1e-4 }, [3, 2]);
        Assert.All(AdaptiveDpoLoss.Minority(ells, 15, normalize: true).data<double>().ToArray(), m => Assert.True(double.IsFinite(m)));
    }

    [Fact]
    public void AdaptiveDpo_WithoutEma_FlagsPairsThePolicyRanksWrong()
    {
        var (policy, reference, w, l, tokens, t, noise) = Batch();
        using (policy)
        using (reference)
        {
            var config = new AdaptiveDpoConfig(UseEma: false, Rho: 1e4, Margin: MinorityMargin.None);
            var (pe, re) = DiffusionDpoLoss.PairErrors(policy, reference, w, l, tokens, t, noise);
            var p = pe.detach().data<float>().ToArray();
            var r = re.data<float>().ToArray();
            var ell = Enumerable.Range(0, 3).Select(i => (double)(r[i] - r[3 + i]) - (p[i] - p[3 + i])).ToArray();
            var expected = ell.Average(e => Softplus(-2500 * e) / (10 * (1 - Sigmoid(1e4 * e)) + 1));

            Assert.Equal(expected, new AdaptiveDpoLoss(config).Compute(policy, reference, w, l, tokens, t, noise).Loss.item<float>(), 3);
        }
    }

    [Fact]
    public void EmaDecay_FollowsDiffusersWarmup_ThenTheConfiguredDecay()
    {
        Assert.Equal(0, AdaptiveDpoLoss.Decay(1, 0.9999));
        Assert.Equal(2.0 / 11, AdaptiveDpoLoss.Decay(2, 0.9999), 12);
        Assert.Equal(100.0 / 109, AdaptiveDpoLoss.Decay(100, 0.9999), 12);
        Assert.Equal(0.5, AdaptiveDpoLoss.Decay(9, 0.5), 12);
        Assert.Equal(0.5, AdaptiveDpoLoss.Decay(50, 0.5), 12);
    }

    [Fact]
    public void AdaptiveDpo_MinorityIsZeroDuringWarmup_ThenTheMovingAveragesSetIt()
    {
        var (policy, reference, w, l, tokens, t, noise) = Batch();
        using (policy)
        using (reference)
        {
            var loss = new AdaptiveDpoLoss(new AdaptiveDpoConfig(Margin: MinorityMargin.None));
            loss.Start(policy);
            var warm = loss.Compute(policy, reference, w, l, tokens, t, noise).Loss.item<float>();
            var dpo = new DiffusionDpoLoss().Compute(policy, reference, w, l, tokens, t, noise).Loss.item<float>();
            Assert.Equal(dpo, warm, 6);   // M = 0: w = 1/b = 1

            // Two updates: the first copies the policy (decay 0); then move the policy away from its averages.
            loss.AfterOptimizerStep(policy);
            loss.AfterOptimizerStep(policy);
            using (no_grad()) foreach (var q in policy.UNet.parameters()) q.add_(0.05 * randn_like(q));
            var after = loss.Compute(policy, reference, w, l, tokens, t, noise).Loss.item<float>();
            var moved = new DiffusionDpoLoss().Compute(policy, reference, w, l, tokens, t, noise).Loss.item<float>();
            Assert.True(after < moved - 1e-6, $"weighted {after} should fall below DPO's {moved} once M > 0 (w < 1)");
        }
    }

    [Fact]
    public void AdaptiveDpo_KilledAndResumed_EqualsTheUninterruptedRun()
    {
        using var temp = new TestPaths.TempFolder();
        var checkpoint = Path.Combine(temp.Path, "adaptive.ckpt");
        var straight = TrainAdaptive(null, killAfter: null);
        TrainAdaptive(checkpoint, killAfter: 3);
        Assert.Equal(3, Checkpoint.ReadHeader(checkpoint).Step);
        var resumed = TrainAdaptive(checkpoint, killAfter: null);

        Assert.Equal(straight, resumed);
    }

    /// <summary>Six steps from a fixed start (checkpoint every 3), cancelled after step <paramref name="killAfter"/> when given; the trained weights.</summary>
    static float[] TrainAdaptive(string? checkpoint, int? killAfter)
    {
        Seeding.Everything(5);
        using var reference = new DiffusionModel(new UNetConfig(8, 8), CPU);
        using var policy = reference.Copy();
        using var pairs = PairSet.From(new WorldBuilder(new WorldConfig(Pairs: 8, Seed: 2)).Pairs(0, 8), policy.Tokenizer);
        var config = new DpoTrainConfig(Steps: 6, BatchSize: 4, MicroBatch: 2, LearningRate: 1e-3, WarmupSteps: 1, CheckpointEvery: 3);
        using var cancel = new CancellationTokenSource();
        var progress = new InlineProgress<TrainingProgress>(p => { if (p.Step == killAfter) cancel.Cancel(); });
        var train = () => new DpoTrainer(config, new AdaptiveDpoLoss())
            .Train("adaptive", policy, reference, pairs, null, TrainingExample.Labeled(pairs.Count).ToList(), checkpoint, progress, cancel.Token);
        if (killAfter is null) train();
        else Assert.ThrowsAny<OperationCanceledException>(train);
        return policy.UNet.parameters().SelectMany(q => q.detach().data<float>().ToArray()).ToArray();
    }
}
