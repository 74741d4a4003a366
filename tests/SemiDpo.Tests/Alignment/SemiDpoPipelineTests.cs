using SemiDpo.Alignment;
using SemiDpo.Data.World;
using SemiDpo.Diffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Alignment;

[Collection(TorchRandomCollection.Name)]
public class SemiDpoPipelineTests
{
    public SemiDpoPipelineTests() => TorchRuntime.Init();

    [Fact]
    public void TwoIterations_PseudoLabelTheUnlabeledPairs_WriteACheckpointEach_AndResumeWithoutRetraining_KeepingTheirLogs()
    {
        using var temp = TestPaths.NewTempFolder();
        Seeding.Everything(9);
        using var baseModel = new DiffusionModel(new UNetConfig(Channels: 8, TextWidth: 8), CPU);
        var pairs = new WorldBuilder(new WorldConfig(Pairs: 60, Seed: 7)).Pairs(0, 60).Where(p => !p.IsTie).ToList();
        var data = new StageTwoData(PairSet.From(pairs[..16], baseModel.Tokenizer), PairSet.From(pairs[16..28], baseModel.Tokenizer),
            PairSet.From(pairs[28..], baseModel.Tokenizer));
        var quick = new DpoTrainConfig(Steps: 4, BatchSize: 4, MicroBatch: 4, LearningRate: 1e-3, WarmupSteps: 1);
        var config = new SemiDpoConfig(Iterations: 2) { Iter0 = quick, Later = quick, Confidence = new ConfidenceConfig(BatchSize: 16) };

        var pipeline = new SemiDpoPipeline(config);
        var reports = pipeline.Run(baseModel, data, temp.Path);
        pipeline.LastModel!.Dispose();

        Assert.Equal(["Iter0", "Iter1"], reports.Select(r => r.Name).ToArray());
        Assert.Null(reports[0].Thresholds);
        var thresholds = reports[1].Thresholds!;
        Assert.Equal(TimestepIntervals.Count, thresholds.Count);
        Assert.All(thresholds, r => Assert.InRange(r.Accepted, 1, data.Unlabeled.Count));
        Assert.All(thresholds, r => Assert.NotNull(r.PseudoLabelPrecision));
        Assert.True(reports[1].Labels!.PairsAccepted > 0);
        Assert.True(File.Exists(Path.Combine(temp.Path, "iter0.ckpt")) && File.Exists(Path.Combine(temp.Path, "iter1.ckpt")));
        Assert.All(reports, r => Assert.Equal(4, r.Log.Loss.Count));

        var written = File.GetLastWriteTimeUtc(Path.Combine(temp.Path, "iter1.ckpt"));
        var again = new SemiDpoPipeline(config);
        var resumed = again.Run(baseModel, data, temp.Path);
        again.LastModel!.Dispose();
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(temp.Path, "iter1.ckpt")));   // both complete: nothing retrained
        Assert.Equal(reports.Select(r => r.Log.Loss), resumed.Select(r => r.Log.Loss));           // the log comes back from the checkpoints
        Assert.Equal(reports[1].Labels!.Accepted, resumed[1].Labels!.Accepted);
    }
}
