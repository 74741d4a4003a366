using SemiDpo.Method;
using SemiDpo.Preferences;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Training;

[Collection(TorchRandomCollection.Name)]
public sealed class TensorBoardLogTests : IDisposable
{
    readonly string folder = Path.Combine(Path.GetTempPath(), $"semidpo-tb-{Guid.NewGuid():N}");

    public TensorBoardLogTests() => TorchRuntime.Init();

    public void Dispose()
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, true);
    }

    [Fact]
    public void DpoTraining_WritesEventFilesTensorBoardReads_WithEveryStepsScalars()
    {
        Seeding.Everything(11);
        using var reference = new DiffusionModel(new UNetConfig(Channels: 8, TextWidth: 8), CPU);
        using var policy = reference.Copy();
        using var pairs = PairSet.From(new WorldBuilder(new WorldConfig(Pairs: 8, Seed: 2)).Pairs(0, 8), policy.Tokenizer);
        var board = new TensorBoardLog(folder);

        var log = new DpoTrainer(new DpoTrainConfig(Steps: 3, BatchSize: 4, MicroBatch: 2, LearningRate: 1e-3, WarmupSteps: 1, Beta: 500))
            .Train("seed 1: Iter0", policy, reference, pairs, null, TrainingExample.Labeled(pairs.Count).ToList(), null, board);

        var events = TensorBoardEvents.Read(Path.Combine(folder, "seed-1", "Iter0"));
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.Equal([1L, 2, 3], TensorBoardEvents.Scalars(events, "loss").Select(s => s.Step));
        Assert.Equal(log.Loss.Select(l => (float)l), TensorBoardEvents.Scalars(events, "loss").Select(s => s.Value));
        Assert.Equal(log.Accuracy.Select(a => (float)a), TensorBoardEvents.Scalars(events, "implicit_acc").Select(s => s.Value));
        Assert.Equal(1e-3f, TensorBoardEvents.Scalars(events, "lr")[^1].Value, 6);
        var model = TensorBoardEvents.Scalars(events, "raw_model_loss");
        var referenceLoss = TensorBoardEvents.Scalars(events, "ref_loss");
        Assert.Equal(3, model.Count);
        Assert.Equal(referenceLoss[0].Value, model[0].Value, 5);   // step 1: the policy is the reference
        Assert.NotEqual(referenceLoss[2].Value, model[2].Value);     // after two updates it is not
    }

    [Fact]
    public void Thresholds_AreLoggedPerInterval_AtTheAnchorTimestep()
    {
        var board = new TensorBoardLog(folder);
        IntervalThreshold Interval(int j, int accepted) => new(j, TimestepIntervals.Anchor(j), 0.6 + j / 100.0, 80, 0.1 * j, 0.7, 5, accepted, 1, null, null);

        board.Thresholds("Iter1", [Interval(0, 12), Interval(9, 3)]);

        var events = TensorBoardEvents.Read(Path.Combine(folder, "Iter1"));
        Assert.Equal([(50L, 12f), (950L, 3f)], TensorBoardEvents.Scalars(events, "pseudo_labels/accepted"));
        Assert.Equal(0.9f, TensorBoardEvents.Scalars(events, "pseudo_labels/tau")[1].Value, 6);
        Assert.Equal(0.69f, TensorBoardEvents.Scalars(events, "pseudo_labels/clean_test_accuracy")[1].Value, 6);
    }

    [Fact]
    public void ProgressThatIsNotAnOptimizerStep_WritesNothing()
    {
        var board = new TensorBoardLog(folder);
        board.Report(new TrainingProgress("sample Iter0", 3, 10, double.NaN, null, 0));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Theory]
    [InlineData("seed 1: Iter0", "seed-1/Iter0")]
    [InlineData("seed 2: Clean only (same budget): Iter1", "seed-2/Clean-only-same-budget/Iter1")]
    [InlineData("Poly-DPO (α 8, β 2500)", "Poly-DPO-8-2500")]
    public void StageNames_BecomeRunFolders(string stage, string expected) =>
        Assert.Equal(expected.Replace('/', Path.DirectorySeparatorChar), TensorBoardLog.RunFolder(stage));

    [Fact]
    public void ALogFolderThatIsAFile_FailsBeforeAnyTraining()
    {
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "taken");
        File.WriteAllText(file, "");
        Assert.ThrowsAny<IOException>(() => new TensorBoardLog(file));
    }
}
