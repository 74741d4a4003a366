using SemiDpo.Baselines;
using SemiDpo.Losses;
using SemiDpo.Preferences;
using SemiDpo.Tests.Training;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Baselines;

[Collection(TorchRandomCollection.Name)]
public class DiffusionKtoTrainerTests
{
    public DiffusionKtoTrainerTests() => TorchRuntime.Init();

    /// <summary>World pairs with the given (image 0, image 1) uids; image 0 wins each.</summary>
    static PairSet WithUids(DiffusionModel model, params (string A, string B)[] uids)
    {
        var world = new WorldBuilder(new WorldConfig(Pairs: 40, Seed: 3)).Pairs(0, 40).Where(p => !p.IsTie).ToList();
        var pairs = uids.Select((u, i) => world[i] with
        {
            Label0 = 1, Label1 = 0,
            Metadata = world[i].Metadata with { Image0Uid = u.A, Image1Uid = u.B },
        }).ToList();
        return PairSet.From(pairs, model.Tokenizer);
    }

    [Fact]
    public void Images_AreDistinctByUid_DesirableWhenTheyEverWon()
    {
        using var model = new DiffusionModel(new UNetConfig(8, 8), CPU);
        using var first = WithUids(model, ("c", "a"), ("a", "b"));   // a loses first, then wins: desirable (the "intersections")
        using var second = WithUids(model, ("d", "b"), ("", ""));    // b only lost; images without a uid are their own

        var images = KtoImages.From([first, second]);

        Assert.Equal(
            [new KtoImage(0, 0, true, true), new KtoImage(0, 0, false, true), new KtoImage(0, 1, false, false),
             new KtoImage(1, 0, true, true), new KtoImage(1, 1, true, true), new KtoImage(1, 1, false, false)],
            images.Images);
        Assert.Equal((4, 2), (images.DesirableCount, images.UndesirableCount));
    }

    [Fact]
    public void Draw_TakesThePositiveRatioOfDesirableImages_OrTheOnlyClassThereIs()
    {
        using var model = new DiffusionModel(new UNetConfig(8, 8), CPU);
        using var set = WithUids(model, Enumerable.Range(0, 10).Select(i => ($"w{i}", i < 2 ? $"w{i + 5}" : $"l{i}")).ToArray());   // 10 desirable, 8 undesirable
        var images = KtoImages.From([set]);

        var drawn = images.Draw(20_000, 0.8, new Random(1));
        var desirable = drawn.Count(i => images.Images[i].Desirable) / 20_000.0;

        Assert.InRange(desirable, 0.79, 0.81);
        Assert.Equal(images.Images.Count, drawn.Distinct().Count());   // with replacement, uniform within a class: every image comes up
        Assert.All(images.Draw(100, 0.0, new Random(2)), i => Assert.False(images.Images[i].Desirable));
        using var winnersOnly = WithUids(model, ("a", "b"), ("b", "a"));
        var onlyDesirable = KtoImages.From([winnersOnly]);
        Assert.All(onlyDesirable.Draw(50, 0.2, new Random(3)), i => Assert.True(onlyDesirable.Images[i].Desirable));
        Assert.Throws<ArgumentOutOfRangeException>(() => images.Draw(1, 1.5, new Random(4)));
    }

    [Theory]
    [InlineData(new[] { 0.30, 0.10, 0.25, 0.40 }, new[] { 0.20, 0.15, 0.20, 0.30 })]   // mean g > 0: the reference point is it
    [InlineData(new[] { 0.10, 0.10, 0.25, 0.40 }, new[] { 0.20, 0.15, 0.30, 0.45 })]   // mean g < 0: clamped to 0
    public void ImageLoss_IsTheOfficialWeightedSigmoidOfTheSignedShiftedRewards(double[] policyErrors, double[] referenceErrors)
    {
        bool[] desirable = [true, false, true, false];
        const double beta = 20, lambdaD = 1.5, lambdaU = 0.5;
        var g = referenceErrors.Zip(policyErrors, (r, p) => r - p).ToArray();
        var kl = Math.Max(0, g.Average());
        var signed = g.Select((v, i) => (desirable[i] ? 1 : -1) * beta * (v - kl)).ToArray();
        var expected = signed.Select((s, i) => (desirable[i] ? lambdaD : lambdaU) * (1 - 1 / (1 + Math.Exp(-s)))).Average();

        var (loss, actualSigned) = new DiffusionKtoLoss(beta, lambdaD, lambdaU).ImageLoss(
            tensor(policyErrors, ScalarType.Float64), tensor(referenceErrors, ScalarType.Float64), tensor(desirable));

        Assert.Equal(expected, loss.item<double>(), 10);
        Assert.All(signed.Zip(actualSigned.data<double>().ToArray()), p => Assert.Equal(p.First, p.Second, 10));
    }

    [Fact]
    public void Trainer_TrainsTheBudgetOnSingleImages_AndResumesToTheSameWeights()
    {
        using var temp = TestPaths.NewTempFolder();
        var checkpoint = Path.Combine(temp.Path, "kto.ckpt");
        var straight = Train(null, killAfter: null, out var log);
        Train(checkpoint, killAfter: 2, out _);
        var resumed = Train(checkpoint, killAfter: null, out var resumedLog);

        Assert.Equal(4, log.Loss.Count);
        Assert.Equal(0.5, log.Loss[0], 6);   // the policy is the reference at step 1: g = 0 for every image, h = σ(0)
        Assert.All(log.Loss, v => Assert.True(double.IsFinite(v)));
        Assert.Equal(straight, resumed);
        Assert.Equal(log.Loss, resumedLog.Loss);
    }

    [Fact]
    public void KtoBaseline_TrainsTheOfficialDataPath_PairedVariantTheLossOnPairs()
    {
        Assert.Equal(BaselineData.SingleImages, BaselineSuite.Of(["kto"])[0].Data);
        Assert.Equal(BaselineData.AllNonTie, BaselineSuite.Of([BaselineSuite.PairedKtoKey])[0].Data);
        Assert.DoesNotContain(BaselineSuite.PairedKtoKey, BaselineSuite.AllKeys);
        Assert.Contains(BaselineSuite.PairedKtoKey, BaselineSuite.KnownKeys);
    }

    static float[] Train(string? checkpoint, int? killAfter, out TrainingLog log)
    {
        Seeding.Everything(6);
        using var reference = new DiffusionModel(new UNetConfig(8, 8), CPU);
        using var policy = reference.Copy();
        using var clean = WithUids(policy, ("a", "b"), ("c", "d"), ("e", "b"));
        using var noisy = WithUids(policy, ("f", "g"), ("g", "h"));
        var config = new DpoTrainConfig(Steps: 4, BatchSize: 4, MicroBatch: 2, LearningRate: 1e-3, WarmupSteps: 1, CheckpointEvery: 2, HorizontalFlip: true);
        log = KilledRun.Train(killAfter, (progress, cancel) =>
            new DiffusionKtoTrainer(config, new DiffusionKtoLoss(50)).Train("kto", policy, reference, [clean, noisy], checkpoint, progress, cancel));
        return policy.UNet.parameters().SelectMany(q => q.detach().data<float>().ToArray()).ToArray();
    }
}
