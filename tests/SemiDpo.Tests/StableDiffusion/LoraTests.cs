using SemiDpo.Baselines;
using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Preferences;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World;
using static TorchSharp.torch;

namespace SemiDpo.Tests.StableDiffusion;

/// <summary>LoRA on the SD UNet: a no-op at start, only adapters train, the reference is the base model with them off, export merges.</summary>
[Collection(TorchRandomCollection.Name)]
public class LoraTests
{
    public LoraTests() => TorchRuntime.Init();

    static Tensor Predict(StableDiffusionModel model)
    {
        var r = SdFixture.Reference();
        using var noGrad = no_grad();
        return model.UNet.forward(r["unet/sample"], r["unet/t"], r["unet/context"]);
    }

    static bool Same(Tensor a, Tensor b) => a.equal(b).all().item<bool>();

    static void RandomiseAdapters(StableDiffusionModel model)
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in model.UNet.named_parameters())
            if (name.Contains("lora_B")) nn.init.normal_(p, 0, 0.05);
    }

    [Fact]
    public void EnablingLora_LeavesTheModelUnchanged_AndOnlyTheAdaptersOfTheFourProjectionsTrain()
    {
        using var model = SdFixture.Load();
        var before = Predict(model);
        var projections = model.UNet.state_dict().Where(p => p.Key.EndsWith(".to_q.weight") || p.Key.EndsWith(".to_k.weight")
            || p.Key.EndsWith(".to_v.weight") || p.Key.EndsWith(".to_out.0.weight")).ToList();

        model.EnableLora(new LoraConfig(Rank: 2, Alpha: 2));

        Assert.True(Same(before, Predict(model)), "B = 0 at start: the model must not change");
        var trainable = model.UNet.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        Assert.All(trainable, p => Assert.Contains(".lora_", p.name));
        Assert.Equal(projections.Sum(p => 2 * (p.Value.shape[0] + p.Value.shape[1])), trainable.Sum(p => p.parameter.numel()));
        Assert.Equal(2 * projections.Count, trainable.Count);                       // A and B per projection
    }

    [Fact]
    public void LoraDpoSteps_TrainOnlyTheAdapters_AgainstTheBaseModelWithAdaptersOff()
    {
        Seeding.Everything(5);
        using var model = SdFixture.Load();
        using var plain = SdFixture.Load();
        model.EnableLora(new LoraConfig(Rank: 4));
        var baseWeights = model.UNet.named_parameters().Where(p => !p.name.Contains(".lora_")).Select(p => p.parameter.clone()).ToList();
        using var pairs = PairSet.From(new WorldBuilder(new WorldConfig(Pairs: 8, Seed: 11)).Pairs(0, 8), model.Tokenizer);
        var reference = model.AdaptersOff();
        var config = new DpoTrainConfig(Steps: 2, BatchSize: 4, MicroBatch: 2, LearningRate: 1e-2, WarmupSteps: 1);

        var log = new DpoTrainer(config).Train("Iter0", model, reference, pairs, null, TrainingExample.Labeled(pairs.Count).ToList(), null);

        Assert.Equal(Math.Log(2), log.Loss[0], 4);                                 // adapters at B = 0: policy = reference
        Assert.True(model.UNet.named_parameters().Where(p => !p.name.Contains(".lora_")).Zip(baseWeights).All(p => Same(p.First.parameter, p.Second)),
            "a frozen UNet weight changed");
        Assert.Contains(model.UNet.named_parameters(), p => p.name.Contains("lora_B") && p.parameter.abs().max().item<float>() > 0);
        var r = SdFixture.Reference();
        var tokens = model.Tokens([.. Enumerable.Repeat("a red circle", (int)r["unet/sample"].shape[0])]);
        using (no_grad())
        {
            Assert.True(Same(plain.PredictNoise(r["unet/sample"], r["unet/t"], tokens), reference.PredictNoise(r["unet/sample"], r["unet/t"], tokens)),
                "adapters off ≠ the base model");
            Assert.False(Same(Predict(plain), Predict(model)), "adapters on = the base model after training");
        }
    }

    [Fact]
    public void RelatedMethods_TrainLoraAdaptersOnStableDiffusion_UnchangedFromTheWorld()
    {
        Seeding.Everything(7);
        using var tokenizerSource = SdFixture.Load();
        using var pairs = PairSet.From(new WorldBuilder(new WorldConfig(Pairs: 8, Seed: 12)).Pairs(0, 8), tokenizerSource.Tokenizer);
        var config = new DpoTrainConfig(Steps: 3, BatchSize: 2, MicroBatch: 2, LearningRate: 1e-2, WarmupSteps: 1);
        foreach (var loss in new IPreferenceLoss[] { new PolyDpoLoss(), new AdaptiveDpoLoss(new AdaptiveDpoConfig(WarmupSteps: 1)) })
        {
            using var model = SdFixture.Load();
            model.EnableLora(new LoraConfig(Rank: 2));
            var log = new DpoTrainer(config, loss).Train("Iter0", model, model.AdaptersOff(), pairs, null, TrainingExample.Labeled(pairs.Count).ToList(), null);
            Assert.All(log.Loss, v => Assert.True(double.IsFinite(v), $"{loss.Name}: loss {v}"));
            Assert.Contains(model.UNet.named_parameters(), p => p.name.Contains("lora_B") && p.parameter.abs().max().item<float>() > 0);
        }
        using var dro = SdFixture.Load();
        dro.EnableLora(new LoraConfig(Rank: 2));
        var droLog = new DiffusionDroTrainer(config, new DiffusionDroConfig(SamplingSteps: 3)).Train("DRO", dro, dro.AdaptersOff(), pairs, null);
        Assert.Equal(0.001, droLog.Loss[0], 6);   // adapters at B = 0: every bracket is 0, the hinge is the margin
        Assert.Contains(dro.UNet.named_parameters(), p => p.name.Contains("lora_B") && p.parameter.abs().max().item<float>() > 0);
    }

    [Fact]
    public void MergedExport_LoadsAsAPlainDiffusersUNet_WithTheAdaptedOutputs()
    {
        Seeding.Everything(6);
        using var model = SdFixture.Load();
        model.EnableLora(new LoraConfig(Rank: 3, Alpha: 6));
        RandomiseAdapters(model);
        using var copy = SdFixture.CopyOfTinySd();
        Directory.Delete(Path.Combine(copy.Path, "unet"), recursive: true);

        model.SaveUNet(copy.Path);

        using var exported = StableDiffusionModel.Load(copy.Path, CPU);
        Assert.Null(exported.Lora);
        SdFixture.AssertClose(Predict(model), Predict(exported), "merged export vs adapters on", 1e-5);
    }

    [Fact]
    public void Copy_KeepsTheAdaptersAndTheirWeights()
    {
        Seeding.Everything(7);
        using var model = SdFixture.Load();
        model.EnableLora(new LoraConfig(Rank: 2));
        RandomiseAdapters(model);

        using var copy = model.Copy();

        Assert.Equal(model.Lora, copy.Lora);
        Assert.True(Same(Predict(model), Predict(copy)));
        Assert.Equal(model.ConfigJson(), copy.ConfigJson());
        Assert.Contains("\"Lora\":{\"Rank\":2", model.ConfigJson());
    }
}
