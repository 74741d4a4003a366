using SemiDpo.Baselines;
using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Method;
using SemiDpo.Preferences;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Baselines;

[Collection(TorchRandomCollection.Name)]
public class BaselineSuiteTests
{
    public BaselineSuiteTests() => TorchRuntime.Init();

    static StageTwoData Data(DiffusionModel model)
    {
        var pairs = new WorldBuilder(new WorldConfig(Pairs: 60, Seed: 7)).Pairs(0, 60).Where(p => !p.IsTie).ToList();
        return new StageTwoData(PairSet.From(pairs[..16], model.Tokenizer), PairSet.From(pairs[16..28], model.Tokenizer), PairSet.From(pairs[28..], model.Tokenizer));
    }

    [Fact]
    public void TotalBudget_IsEveryIterationsStepsWithIter0Settings()
    {
        var config = new SemiDpoConfig(Iterations: 3) { Iter0 = new DpoTrainConfig(Steps: 80, LearningRate: 2e-5), Later = new DpoTrainConfig(Steps: 40, LearningRate: 1e-5) };
        Assert.Equal(160, config.TotalBudget.Steps);
        Assert.Equal(2e-5, config.TotalBudget.LearningRate);
    }

    [Fact]
    public void EveryStandardBaseline_TrainsACopyForTheWholeBudget_BaseUntouched()
    {
        Seeding.Everything(3);
        using var baseModel = new DiffusionModel(new UNetConfig(Channels: 8, TextWidth: 8), CPU);
        using var data = Data(baseModel);
        var before = baseModel.UNet.parameters().Select(p => p.clone()).ToList();
        var budget = new DpoTrainConfig(Steps: 3, BatchSize: 4, MicroBatch: 4, LearningRate: 1e-3, WarmupSteps: 1);

        foreach (var baseline in BaselineSuite.Standard())
        {
            var (model, log) = BaselineSuite.Train(baseline, baseModel, data, budget);
            using (model)
            {
                Assert.Equal(3, log.Loss.Count);
                Assert.All(log.Loss, v => Assert.True(double.IsFinite(v)));
                Assert.Equal(baseline.Loss is SupervisedFineTuningLoss, log.Accuracy.All(double.IsNaN));
                Assert.Contains(model.UNet.parameters().Zip(baseModel.UNet.parameters()), p => !p.First.Equals(p.Second));
            }
        }
        Assert.All(before.Zip(baseModel.UNet.parameters()), p => Assert.True(p.First.Equals(p.Second)));
    }

    [Fact]
    public void ACheckpointOfAnotherLoss_IsRefused_NotResumed()
    {
        using var temp = TestPaths.NewTempFolder();
        Seeding.Everything(5);
        using var baseModel = new DiffusionModel(new UNetConfig(Channels: 8, TextWidth: 8), CPU);
        using var data = Data(baseModel);
        var budget = new DpoTrainConfig(Steps: 2, BatchSize: 4, MicroBatch: 4, LearningRate: 1e-3, WarmupSteps: 1);
        var checkpoint = Path.Combine(temp.Path, "run.ckpt");
        var standard = BaselineSuite.Standard();
        BaselineSuite.Train(standard[1], baseModel, data, budget, checkpoint).Model.Dispose();   // Diffusion-DPO (all)

        var e = Assert.Throws<CheckpointException>(() => BaselineSuite.Train(standard[3], baseModel, data, budget, checkpoint));   // cDPO
        Assert.Contains("cDPO", e.Message);

        var kto = Path.Combine(temp.Path, "kto.ckpt");
        BaselineSuite.Train(BaselineSuite.Of([BaselineSuite.PairedKtoKey])[0], baseModel, data, budget, kto).Model.Dispose();
        Assert.Throws<CheckpointException>(() => BaselineSuite.Train(BaselineSuite.Of(["kto"])[0], baseModel, data, budget, kto));   // same loss, other data path
    }
}
