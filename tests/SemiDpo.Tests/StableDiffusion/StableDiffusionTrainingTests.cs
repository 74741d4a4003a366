using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Method;
using SemiDpo.Preferences;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World;

namespace SemiDpo.Tests.StableDiffusion;

/// <summary>The miniature's trainer, losses, confidence scorer and sampler, unchanged, on the SD architecture.</summary>
[Collection(TorchRandomCollection.Name)]
public class StableDiffusionTrainingTests
{
    public StableDiffusionTrainingTests() => TorchRuntime.Init();

    static PairSet WorldPairs(int count, IPromptTokenizer tokenizer) =>
        PairSet.From(new WorldBuilder(new WorldConfig(Pairs: count, Seed: 11)).Pairs(0, count), tokenizer);

    [Fact]
    public void DpoStep_OnStableDiffusion_GoesThroughTheSameTrainer_AndUpdatesOnlyTheUNet()
    {
        Seeding.Everything(3);
        using var reference = SdFixture.Load();
        using var policy = reference.Copy();
        using var pairs = WorldPairs(8, policy.Tokenizer);
        var vaeBefore = policy.Vae.parameters().First().clone();
        var unetBefore = policy.UNet.parameters().Select(p => p.clone()).ToList();
        var config = new DpoTrainConfig(Steps: 2, BatchSize: 4, MicroBatch: 2, LearningRate: 1e-3, WarmupSteps: 1);

        var log = new DpoTrainer(config).Train("Iter0", policy, reference, pairs, null, TrainingExample.Labeled(pairs.Count).ToList(), null);

        Assert.Equal(2, log.Loss.Count);
        Assert.Equal(Math.Log(2), log.Loss[0], 4);     // policy = reference at step 1: z = 0
        Assert.All(log.Loss, l => Assert.True(double.IsFinite(l)));
        Assert.Contains(policy.UNet.parameters().Zip(unetBefore), p => !p.First.equal(p.Second).all().item<bool>());
        Assert.True(reference.UNet.parameters().Zip(unetBefore).All(p => p.First.equal(p.Second).all().item<bool>()), "the reference UNet changed");
        Assert.True(policy.Vae.parameters().First().equal(vaeBefore).all().item<bool>(), "the frozen VAE changed");
    }

    [Fact]
    public void Confidence_OnStableDiffusion_IsZeroAgainstItself()
    {
        using var model = SdFixture.Load(new StableDiffusionOptions(SampleLatents: false));
        using var pairs = WorldPairs(3, model.Tokenizer);
        var table = new ConfidenceScorer(new DiffusionDpoLoss(), new ConfidenceConfig(BatchSize: 2)).Score(model, model, pairs);
        Assert.Equal(3, table.Pairs);
        Assert.All(Enumerable.Range(0, 10), j => Assert.All(table.Interval(j), z => Assert.Equal(0f, z)));
    }

    [Fact]
    public void Sampling_OnStableDiffusion_GivesSeededImagesOfTheAskedSize()
    {
        using var model = SdFixture.Load();
        var sampler = new SamplerConfig(Steps: 3, GuidanceScale: 7.5);
        var images = DiffusionSampling.Sample(model, ["a red circle", "two blue squares"], sampler, 32, 32);
        var again = DiffusionSampling.Sample(model, ["two blue squares"], sampler, 32, 32, firstIndex: 1);
        Assert.Equal([2L, 3, 32, 32], images.shape);
        Assert.True(images.isfinite().all().item<bool>());
        SdFixture.AssertClose(images[1], again[0], "the same prompt and seed drawn in another batch");   // same noise; kernels may round differently per batch size
    }
}
