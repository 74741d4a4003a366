using SemiDpo.Losses;
using SemiDpo.Method;
using SemiDpo.Preferences;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Training;

[Collection(TorchRandomCollection.Name)]
public class DpoTrainerTests
{
    static readonly UNetConfig Small = new(Channels: 8, TextWidth: 8);

    public DpoTrainerTests() => TorchRuntime.Init();

    static PairSet WorldPairs(int count, int seed, CaptionTokenizer tokenizer) =>
        PairSet.From(new WorldBuilder(new WorldConfig(Pairs: count, Seed: seed)).Pairs(0, count), tokenizer);

    [Fact]
    public void Training_RaisesTheImplicitAccuracyOnItsPairs()
    {
        Seeding.Everything(6);
        using var reference = new DiffusionModel(Small, CPU);
        using var policy = reference.Copy();
        using var pairs = WorldPairs(24, 3, policy.Tokenizer);
        var config = new DpoTrainConfig(Steps: 40, BatchSize: 8, MicroBatch: 4, LearningRate: 3e-3, WarmupSteps: 2, Beta: 500);

        var log = new DpoTrainer(config).Train("test", policy, reference, pairs, null, TrainingExample.Labeled(pairs.Count).ToList(), null);

        Assert.Equal(40, log.Loss.Count);
        Assert.Equal(0.5, log.Accuracy[0], 6);                       // policy = reference at step 1: z = 0
        Assert.True(log.Accuracy.TakeLast(10).Average() > 0.65, $"late accuracy {log.Accuracy.TakeLast(10).Average():F2}");
        Assert.True(log.Loss.TakeLast(10).Average() < Math.Log(2), $"late loss {log.Loss.TakeLast(10).Average():F3}");
    }

    [Fact]
    public void HorizontalFlip_MirrorsBothImagesOfAPairTogether_AboutHalfTheTime()
    {
        var tokenizer = new CaptionTokenizer();
        using var pairs = WorldPairs(64, 5, tokenizer);
        var micro = TrainingExample.Labeled(pairs.Count).ToArray();
        using var generator = new Generator(1);
        var (w, l, _, _) = DpoTrainer.Gather(micro, pairs, null, CPU, new Random(3), generator);
        var (wm, lm, _, _) = DpoTrainer.Gather(micro, pairs, null, CPU, new Random(3), generator, mirror: true);

        bool Same(Tensor a, Tensor b) => a.equal(b).all().item<bool>();
        var mirrored = Enumerable.Range(0, pairs.Count).Count(i => Same(wm[i], w[i].flip(-1)) && Same(lm[i], l[i].flip(-1)) && !Same(w[i], w[i].flip(-1)));
        var untouched = Enumerable.Range(0, pairs.Count).Count(i => Same(wm[i], w[i]) && Same(lm[i], l[i]));
        Assert.Equal(pairs.Count, mirrored + untouched);             // never one image of a pair without the other
        Assert.InRange(mirrored, 20, 44);                            // p = ½ over 64 pairs (±3 sd)
    }

    /// <summary>Clean and pseudo-labeled examples interleaved, some pseudo-labels swapped at some intervals.</summary>
    internal static TrainingExample[] Interleaved(int labeled, int unlabeled) =>
        [.. Enumerable.Range(0, Math.Max(labeled, unlabeled)).SelectMany(i => new[]
        {
            i < labeled ? new TrainingExample(false, i, TimestepIntervals.All, 0) : (TrainingExample?)null,
            i < unlabeled ? new TrainingExample(true, i, TimestepIntervals.All, (ushort)(i % 3 == 0 ? 0b0101 : 0)) : null,
        }).OfType<TrainingExample>()];

    [Fact]
    public void SkippingAnotherRanksMicroBatch_DrawsWhatReadingItDraws_WorldImagesMirrored()
    {
        using var model = new DiffusionModel(Small, CPU);
        using var labeled = WorldPairs(10, 3, model.Tokenizer);
        using var unlabeled = WorldPairs(7, 4, model.Tokenizer);
        SkippedDraws.AssertSkipDrawsWhatInputsDraw(Interleaved(labeled.Count, unlabeled.Count), labeled, unlabeled, model, mirror: true, microBatch: 3);
    }

    [Fact]
    public void NonFiniteLoss_StopsWithStepAndPairs_AndLeavesTheWeights()
    {
        Seeding.Everything(7);
        using var reference = new DiffusionModel(Small, CPU);
        using var policy = reference.Copy();
        using var pairs = WorldPairs(8, 4, policy.Tokenizer);
        using (no_grad()) policy.UNet.parameters().Last().fill_(float.NaN);
        var before = policy.UNet.parameters().First().data<float>().ToArray();

        var e = Assert.Throws<TrainingException>(() => new DpoTrainer(new DpoTrainConfig(Steps: 3, BatchSize: 4, MicroBatch: 4))
            .Train("Iter0", policy, reference, pairs, null, TrainingExample.Labeled(pairs.Count).ToList(), null));

        Assert.Contains("Iter0 step 1", e.Message);
        Assert.Contains("pairs [c", e.Message);
        Assert.Equal(before, policy.UNet.parameters().First().data<float>().ToArray());
    }

    [Fact]
    public void NoExamples_IsAClearError()
    {
        using var model = new DiffusionModel(Small, CPU);
        using var pairs = WorldPairs(4, 5, model.Tokenizer);
        var e = Assert.Throws<TrainingException>(() => new DpoTrainer(new DpoTrainConfig()).Train("Iter0", model, model, pairs, null, [], null));
        Assert.Contains("no training pairs", e.Message);
    }

    [Fact]
    public void SwappedExamples_TrainTowardsTheOtherImage()
    {
        // The same pairs with every interval swapped must drive the implicit accuracy of the ORIGINAL orientation down.
        Seeding.Everything(8);
        using var reference = new DiffusionModel(Small, CPU);
        using var policy = reference.Copy();
        using var pairs = WorldPairs(16, 6, policy.Tokenizer);
        var swapped = Enumerable.Range(0, pairs.Count).Select(i => new TrainingExample(true, i, TimestepIntervals.All, TimestepIntervals.All)).ToList();

        new DpoTrainer(new DpoTrainConfig(Steps: 30, BatchSize: 8, MicroBatch: 8, LearningRate: 3e-3, WarmupSteps: 2, Beta: 500))
            .Train("swap", policy, reference, pairs, pairs, swapped, null);
        var z = new ConfidenceScorer(new DiffusionDpoLoss(500), new ConfidenceConfig()).Score(policy, reference, pairs);
        var accuracy = Enumerable.Range(0, TimestepIntervals.Count).Average(j => ThresholdSchedule.Accuracy(z.Interval(j)));
        var meanZ = Enumerable.Range(0, TimestepIntervals.Count).Average(j => z.Interval(j).Average());

        Assert.True(accuracy < 0.5 && meanZ < 0, $"human orientation after training on the swapped one: accuracy {accuracy:F2}, mean z {meanZ:F2}");
    }

    [Fact]
    public void PerTermMixing_WithZeroUnlabeledWeight_TakesTheStepOfTheCleanHalfAlone_AndAPositiveWeightChangesIt()
    {
        Seeding.Everything(8);
        using var reference = new DiffusionModel(Small, CPU);
        using var clean = WorldPairs(12, 5, reference.Tokenizer);
        using var noisy = WorldPairs(12, 6, reference.Tokenizer);
        var examples = TrainingExample.Labeled(clean.Count).Concat(TrainingExample.HumanLabeled(noisy.Count, fromUnlabeled: true)).ToList();
        var perTerm = new DpoTrainConfig(Steps: 1, BatchSize: 8, MicroBatch: 4, LearningRate: 1e-3, WarmupSteps: 1, Beta: 500,
            Mixing: TermMixing.PerTerm, UnlabeledWeight: 0);

        float[] After(DpoTrainConfig config, PairSet? unlabeled, IReadOnlyList<TrainingExample> trained)
        {
            using var policy = reference.Copy();
            new DpoTrainer(config).Train("mix", policy, reference, clean, unlabeled, trained, null);
            return policy.UNet.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        }

        var zeroWeight = After(perTerm, noisy, examples);
        var cleanHalf = After(perTerm with { BatchSize = 4, Mixing = TermMixing.ByCount }, null, TrainingExample.Labeled(clean.Count).ToList());
        var weighted = After(perTerm with { UnlabeledWeight = 1 }, noisy, examples);

        Assert.Equal(cleanHalf, zeroWeight);
        Assert.NotEqual(cleanHalf, weighted);
    }

    [Fact]
    public void Training_OwnsItsRandomState_NeitherReadingNorChangingTorchsGlobalGenerator()
    {
        Seeding.Everything(9);
        using var reference = new DiffusionModel(Small, CPU);
        using var pairs = WorldPairs(8, 7, reference.Tokenizer);
        var config = new DpoTrainConfig(Steps: 2, BatchSize: 4, MicroBatch: 4, LearningRate: 1e-3, WarmupSteps: 1, Beta: 500);

        float[] TrainAfterGlobalSeed(int globalSeed, out float nextGlobal)
        {
            using var policy = reference.Copy();
            Seeding.Everything(globalSeed);
            new DpoTrainer(config).Train("own", policy, reference, pairs, null, TrainingExample.Labeled(pairs.Count).ToList(), null);
            nextGlobal = rand(1).item<float>();
            return policy.UNet.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        }

        var a = TrainAfterGlobalSeed(1, out var nextAfterA);
        var b = TrainAfterGlobalSeed(2, out _);
        Seeding.Everything(1);
        var untouched = rand(1).item<float>();

        Assert.Equal(a, b);                      // the global seed does not matter
        Assert.Equal(untouched, nextAfterA);     // and training drew nothing from the global generator
    }
}
