using SemiDpo.Baselines;
using SemiDpo.Imaging;
using SemiDpo.Preferences;
using SemiDpo.Rewards;
using SemiDpo.Tests.Training;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Baselines;

[Collection(TorchRandomCollection.Name)]
public class RealAlignTests
{
    public RealAlignTests() => TorchRuntime.Init();

    /// <summary>A judge that scores an image by its mean brightness (so the test knows every score).</summary>
    sealed class BrightnessJudge : IRewardModel
    {
        public string Name => "MiniPickScore";
        public string Role => "overall";
        public float[] Score(IReadOnlyList<string> prompts, IReadOnlyList<RgbImage> images) =>
            images.Select(i => (float)i.Pixels.Average(b => b / 255.0)).ToArray();
    }

    [Fact]
    public void DroHinge_IsMarginPlusExpertBracketMinusSampleBracket_ClampedAtZero()
    {
        // [experts; samples] errors for two items.
        var policy = tensor(new[] { 0.30, 0.50, 0.20, 0.10 });
        var reference = tensor(new[] { 0.40, 0.40, 0.25, 0.10 });

        var (diff, loss) = DiffusionDroTrainer.Hinge(policy, reference, margin: 0.001);

        // item 0: (0.30 − 0.40) − (0.20 − 0.25) = −0.05 → max(0, −0.049) = 0; item 1: (0.50 − 0.40) − 0 = 0.10 → 0.101.
        Assert.Equal([-0.05, 0.10], diff.data<double>().ToArray().Select(v => Math.Round(v, 12)).ToArray());
        Assert.Equal([0.0, 0.101], loss.data<double>().ToArray().Select(v => Math.Round(v, 12)).ToArray());
    }

    [Fact]
    public void Candidate_IsTheFlawlessRenderAgainstADegradedTwin_OnTheSameBackground_Deterministic()
    {
        var world = new WorldConfig();
        var pairs = Enumerable.Range(0, 40).Select(i => RealAlignPairs.Candidate(world, seed: 3, i)).ToList();

        Assert.All(pairs, p => Assert.Equal(p.Image0.Pixels[..3], p.Image1.Pixels[..3]));      // the corner pixel: background kept
        Assert.All(pairs, p => Assert.Equal((1.0, 0.0), (p.Label0, p.Label1)));
        // The flawless image is truly better unless the generator made no object mistake (then they are the same image).
        Assert.All(pairs.Where(p => p.Truth!.TruePreference == 0), p => Assert.Equal(p.Image0.Pixels, p.Image1.Pixels));
        Assert.True(pairs.Count(p => p.Truth!.TruePreference > 0) >= 25, $"{pairs.Count(p => p.Truth!.TruePreference > 0)} of 40 truly better");
        Assert.Equal(pairs[7].Image1.Pixels, RealAlignPairs.Candidate(world, seed: 3, 7).Image1.Pixels);
        Assert.NotEqual(pairs[7].Image1.Pixels, RealAlignPairs.Candidate(world, seed: 4, 7).Image1.Pixels);
    }

    [Fact]
    public void Build_KeepsMoreColourfulRealsAboveTheMargin_TopNByTheirScore()
    {
        var world = new WorldConfig();
        var judge = new BrightnessJudge();
        var config = new RealAlignConfig(Candidates: 120, Keep: 10, PickScoreMargin: 0.0);

        var (pairs, stats) = RealAlignPairs.Build(world, judge, config);

        Assert.Equal(120, stats.Candidates);
        Assert.InRange(stats.MoreColourful, stats.PickScoreAbove, 120);
        Assert.Equal(Math.Min(10, stats.PickScoreAbove), stats.Kept);
        Assert.Equal(stats.Kept, pairs.Count);
        var real = judge.Score(pairs.Select(p => p.Caption).ToList(), pairs.Select(p => p.Image0).ToList());
        var degraded = judge.Score(pairs.Select(p => p.Caption).ToList(), pairs.Select(p => p.Image1).ToList());
        Assert.All(Enumerable.Range(0, pairs.Count), i => Assert.True(real[i] > degraded[i]));
        Assert.Equal(real.OrderByDescending(v => v).ToArray(), real);
        // Exactly the top 10 of the candidates that pass both filters.
        var passing = Enumerable.Range(0, 120).Select(i => RealAlignPairs.Candidate(world, config.Seed, i))
            .Where(p => new PixelView(p.Image0).Colourfulness() > new PixelView(p.Image1).Colourfulness())
            .Select(p => (Pair: p, Real: judge.Score([p.Caption], [p.Image0])[0], Degraded: judge.Score([p.Caption], [p.Image1])[0]))
            .Where(c => c.Real - c.Degraded > 0).ToList();
        Assert.Equal(passing.Count, stats.PickScoreAbove);
        Assert.Equal(passing.OrderByDescending(c => c.Real).Take(10).Select(c => c.Pair.Image0.Pixels), pairs.Select(p => p.Image0.Pixels));
    }

    [Fact]
    public void Dro_TrainsAndResumesFromItsCheckpoint_ToTheSameWeights()
    {
        using var temp = TestPaths.NewTempFolder();
        var checkpoint = Path.Combine(temp.Path, "dro.ckpt");
        var straight = TrainDro(null, killAfter: null, out var log);
        TrainDro(checkpoint, killAfter: 2, out _);
        var resumed = TrainDro(checkpoint, killAfter: null, out var resumedLog);

        Assert.Equal(4, log.Loss.Count);
        Assert.All(log.Loss, v => Assert.True(v >= 0 && double.IsFinite(v)));
        Assert.Equal(0.001, log.Loss[0], 6);     // φ = ref at step 1: every bracket is 0, the hinge is the margin
        Assert.Equal(straight, resumed);
        Assert.Equal(log.Loss, resumedLog.Loss);
    }

    static float[] TrainDro(string? checkpoint, int? killAfter, out TrainingLog log)
    {
        Seeding.Everything(4);
        using var reference = new DiffusionModel(new UNetConfig(8, 8), CPU);
        using var policy = reference.Copy();
        var pairs = Enumerable.Range(0, 6).Select(i => RealAlignPairs.Candidate(new WorldConfig(), 1, i)).ToList();
        using var set = PairSet.From(pairs, policy.Tokenizer);
        var config = new DpoTrainConfig(Steps: 4, BatchSize: 4, MicroBatch: 2, LearningRate: 1e-3, WarmupSteps: 1, CheckpointEvery: 2);
        log = KilledRun.Train(killAfter, (progress, cancel) =>
            new DiffusionDroTrainer(config, new DiffusionDroConfig(SamplingSteps: 5)).Train("dro", policy, reference, set, checkpoint, progress, cancel));
        return policy.UNet.parameters().SelectMany(q => q.detach().data<float>().ToArray()).ToArray();
    }
}
