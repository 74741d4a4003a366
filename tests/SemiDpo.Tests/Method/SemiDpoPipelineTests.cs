using SemiDpo.Method;
using SemiDpo.Preferences;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Method;

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

        IReadOnlyList<IterationReport> reports;
        using (var result = new SemiDpoPipeline(config).Run(baseModel, data, temp.Path)) reports = result.Reports;

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
        IReadOnlyList<IterationReport> resumed;
        using (var result = new SemiDpoPipeline(config).Run(baseModel, data, temp.Path)) resumed = result.Reports;
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(temp.Path, "iter1.ckpt")));   // both complete: nothing retrained
        Assert.Equal(reports.Select(r => r.Log.Loss), resumed.Select(r => r.Log.Loss));           // the log comes back from the checkpoints
        Assert.Equal(reports[1].Labels!.Accepted, resumed[1].Labels!.Accepted);
    }

    static (DiffusionModel Base, StageTwoData Data) Small(int seed)
    {
        Seeding.Everything(seed);
        var baseModel = new DiffusionModel(new UNetConfig(Channels: 8, TextWidth: 8), CPU);
        var pairs = new WorldBuilder(new WorldConfig(Pairs: 80, Seed: 7)).Pairs(0, 80).Where(p => !p.IsTie).ToList();
        return (baseModel, new StageTwoData(PairSet.From(pairs[..16], baseModel.Tokenizer), PairSet.From(pairs[16..28], baseModel.Tokenizer),
            PairSet.From(pairs[28..], baseModel.Tokenizer)));
    }

    static SemiDpoConfig Quick(int iterations) => new(Iterations: iterations)
    {
        Iter0 = new DpoTrainConfig(Steps: 2, BatchSize: 4, MicroBatch: 4, LearningRate: 1e-3, WarmupSteps: 1, CheckpointEvery: 0),
        Later = new DpoTrainConfig(Steps: 2, BatchSize: 4, MicroBatch: 4, LearningRate: 1e-3, WarmupSteps: 1, CheckpointEvery: 0),
        Confidence = new ConfidenceConfig(BatchSize: 16),
    };

    [Fact]
    public void CleanAnchorThirds_SplitTheCleanPairsByRowLikeNumpysArraySplit_OnePartPerLaterIteration()
    {
        using var model = new DiffusionModel(new UNetConfig(Channels: 8, TextWidth: 8), CPU);
        // 16 clean pairs whose source rows run backwards: the thirds follow the rows, not the positions.
        var pairs = new WorldBuilder(new WorldConfig(Pairs: 40, Seed: 7)).Pairs(0, 40).Where(p => !p.IsTie).Take(16)
            .Select((p, i) => p with { Row = 1000 - i }).ToList();
        using var clean = PairSet.From(pairs, model.Tokenizer);
        var pipeline = new SemiDpoPipeline(new SemiDpoConfig(Iterations: 4));

        var parts = Enumerable.Range(0, 5).Select(i => pipeline.AnchorsOf(i, clean)).ToArray();

        Assert.Equal(16, parts[0].Length);                                     // Iter0: every clean pair
        Assert.Equal([6, 5, 5], parts[1..4].Select(p => p.Length).ToArray());  // 16 = 6 + 5 + 5, as numpy.array_split
        Assert.Equal(parts[1], parts[4]);                                      // Iter4 wraps round to the first third
        Assert.Equal(Enumerable.Range(10, 6), parts[1]);                       // the lowest rows: the last positions
        Assert.Equal(Enumerable.Range(5, 5), parts[2]);
        Assert.Equal(Enumerable.Range(0, 5), parts[3]);
        Assert.Equal(16, new SemiDpoPipeline(new SemiDpoConfig(Anchors: CleanAnchors.All)).AnchorsOf(2, clean).Length);
    }

    [Fact]
    public void PairsPseudoLabelledInIter1_AreNotAcceptedAgainInIter2_UnlessPastLabelsLastIsOff()
    {
        var (baseModel, data) = Small(11);
        using var _ = baseModel;
        using var __ = data;

        IReadOnlyList<IterationReport> Run(bool pastLast)
        {
            using var result = new SemiDpoPipeline(Quick(3) with { PastLabelsLast = pastLast }).Run(baseModel, data, null);
            return result.Reports;
        }

        var official = Run(pastLast: true);
        var again = Run(pastLast: false);

        var first = official[1].Labels!.Accepted;
        Assert.All(Enumerable.Range(0, first.Length).Where(i => first[i] != 0), i => Assert.Equal(0, official[2].Labels!.Accepted[i]));
        Assert.All(Enumerable.Range(0, first.Length).Where(i => first[i] != 0), i => Assert.Equal(0f, official[2].Confidence!.Value.Unlabeled.Z[i, 0]));
        Assert.Contains(Enumerable.Range(0, first.Length), i => first[i] != 0 && again[2].Labels!.Accepted[i] != 0);
        Assert.Equal([16, 6, 5], official.Select(r => r.LabeledPairs).ToArray());
    }

    [Fact]
    public void ModelsThatAreOnlyReferences_AreHandedToAsReference_AndAPreviousModelSeenFromThePolicy_IsReleasedAtOnce_WithTheSameRun()
    {
        var (baseModel, data) = Small(13);
        using var _ = baseModel;
        using var __ = data;

        (IReadOnlyList<IterationReport> Reports, List<DiffusionModel> Held, bool Iter0AliveAfterIter1) Run(bool seenFromPolicy)
        {
            var held = new List<DiffusionModel>();
            var trained = new List<DiffusionModel>();
            var snapshots = new Dictionary<DiffusionModel, DiffusionModel>();   // the previous model's weights, kept beside each policy
            var iter0Alive = false;
            var pipeline = new SemiDpoPipeline(Quick(3))
            {
                AsReference = held.Add,
                NextPolicy = seenFromPolicy ? (m, i) => { var policy = (DiffusionModel)m.Copy(); snapshots[policy] = (DiffusionModel)m.Copy(); return policy; } : null,
                PreviousView = seenFromPolicy ? policy => snapshots[policy] : null,
            };
            using (var result = pipeline.Run(baseModel, data, null, afterIteration: (report, model) =>
            {
                trained.Add(model);
                if (report.Name == "Iter1") iter0Alive = ((SemiDpo.Diffusion.IDiffusionModel)trained[0]).Network.parameters().Any(p => !p.IsInvalid);
            }))
            {
                foreach (var snapshot in snapshots.Values) snapshot.Dispose();
                return (result.Reports, held, iter0Alive);
            }
        }

        var kept = Run(seenFromPolicy: false);
        var released = Run(seenFromPolicy: true);

        Assert.Equal(3, kept.Held.Count);                 // the base once Iter0 starts, Iter0 and Iter1 once the next starts
        Assert.Same(baseModel, kept.Held[0]);
        Assert.True(kept.Iter0AliveAfterIter1, "Iter0 is Iter1's reference");
        Assert.Equal([baseModel], released.Held);        // the later models are released, not held
        Assert.False(released.Iter0AliveAfterIter1, "Iter0 should be released once Iter1's policy exists");
        Assert.Equal(kept.Reports.Select(r => r.Log.Loss), released.Reports.Select(r => r.Log.Loss));
    }

    [Fact]
    public void Controls_RunTheSameIterationsWithoutPseudoLabels_OnTheCleanAnchorsOrOnEveryPairWithItsHumanLabel()
    {
        var (baseModel, data) = Small(12);
        using var _ = baseModel;
        using var __ = data;

        (IReadOnlyList<IterationReport> Reports, int Unlabeled) Run(UnlabeledTerm term)
        {
            using var result = new SemiDpoPipeline(Quick(3) with { Term = term, UnlabeledSample = 10 }).Run(baseModel, data, null);
            return (result.Reports, result.Scored.Count);
        }

        var (cleanOnly, _) = Run(UnlabeledTerm.None);
        var (all, unlabeledTrained) = Run(UnlabeledTerm.HumanLabels);

        Assert.All(cleanOnly.Concat(all), r => Assert.Null(r.Labels));
        Assert.All(cleanOnly.Concat(all), r => Assert.Equal(2, r.Log.Loss.Count));
        Assert.All(cleanOnly.Concat(all), r => Assert.True(double.IsNaN(r.TestAccuracyAfter)));
        Assert.Equal([16, 6, 5], cleanOnly.Select(r => r.LabeledPairs).ToArray());
        Assert.Equal([16, 16, 16], all.Select(r => r.LabeledPairs).ToArray());
        Assert.Equal(data.Unlabeled.Count, unlabeledTrained);   // every noisy pair, not the confidence sample of 10
    }
}
