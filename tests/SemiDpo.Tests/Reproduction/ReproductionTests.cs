using SemiDpo.Analysis;
using SemiDpo.Baselines;
using SemiDpo.Diffusion;
using SemiDpo.Method;
using SemiDpo.Reproduction;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Reproduction;

[Collection(TorchRandomCollection.Name)]
public class ReproductionTests
{
    public ReproductionTests() => TorchRuntime.Init();

    /// <summary>Every stage at toy size on the committed judges and base model: 600 pairs, 1–2 steps, 4 prompts.</summary>
    static ReproduceConfig Tiny()
    {
        var step = new DpoTrainConfig(Steps: 2, BatchSize: 4, MicroBatch: 4, WarmupSteps: 1, CheckpointEvery: 0);
        return new ReproduceConfig(
            new StudyConfig() with
            {
                World = new WorldConfig(Pairs: 600),
                JudgesFolder = Path.Combine(TestPaths.RepoRoot, "data", "judges"),
                BaseModel = Path.Combine(TestPaths.RepoRoot, BaseModelFile.DefaultPath),
                EvalPrompts = 4,
                Sampler = new SamplerConfig(Steps: 2),
            },
            new SemiDpoConfig(UnlabeledSample: 40) { Iter0 = step, Later = step with { Steps = 1 }, Confidence = new ConfidenceConfig(BatchSize: 16) },
            [1]) { Baselines = BaselineSuite.StandardKeys };
    }

    [Fact]
    public void TinyRun_EvaluatesEveryMethod_WritesEveryTable_AndResumesFromItsCheckpoints()
    {
        using var temp = TestPaths.NewTempFolder();
        var config = Tiny();

        var result = Reproducer.Run(config, temp.Path);

        Assert.Equal([MethodNames.Base, "Iter0 (= Diffusion-DPO clean)", "Iter1", "Iter2 (Semi-DPO)", MethodNames.CleanOnlySameBudget, MethodNames.DiffusionDpoAllSameSchedule,
                MethodNames.CeilingTrueLabels, MethodNames.CeilingHumanLabels, "SFT (winners)", MethodNames.DiffusionDpoAll, "Diffusion-KTO", "cDPO (ε=0.1)"],
            result.MethodNames.ToArray());
        // The clean-only control's and the ceilings' Iter0 is Semi-DPO's (copied, not retrained); the all-pairs control trains its own.
        var iter0 = File.ReadAllBytes(Path.Combine(temp.Path, "seed-1", "iter0.ckpt"));
        foreach (var arm in new[] { "clean-only-same-budget", "accepted-slots-true-labels", "accepted-slots-human-labels" })
            Assert.Equal(iter0, File.ReadAllBytes(Path.Combine(temp.Path, "seed-1", arm, "iter0.ckpt")));
        Assert.NotEqual(iter0, File.ReadAllBytes(Path.Combine(temp.Path, "seed-1", "diffusion-dpo-all-same-schedule", "iter0.ckpt")));
        Assert.All(result.Seeds[0].Methods, m => Assert.Equal(4, m.Images));
        Assert.Equal([2, 3, 4], result.JudgeCounts.Select(r => r.K).ToArray());
        Assert.True(result.JudgeCounts.Zip(result.JudgeCounts.Skip(1)).All(p => p.First.CleanPairs >= p.Second.CleanPairs), "more judges never keep more pairs");

        var summary = ReproductionReport.Write(result, temp.Path);
        foreach (var name in new[] { "claim", "claim-per-seed", "table1-means", "table1-means-paper", "table2-win-rates", "table2-win-rates-paper", "table4-iterations", "table5-judge-count", "table7-accuracy", "pseudo-labels" })
        {
            Assert.True(File.Exists(Path.Combine(temp.Path, name + ".csv")), name + ".csv");
            Assert.True(File.Exists(Path.Combine(temp.Path, name + ".md")), name + ".md");
        }
        var text = File.ReadAllText(summary);
        Assert.Contains("Semi-DPO vs clean only, same budget", text);
        Assert.Contains("Reading: ", text);
        Assert.Contains("passes", text);   // the data regime's ratios

        var checkpoints = Directory.GetFiles(temp.Path, "*.ckpt", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var again = Reproducer.Run(config with { JudgeCountAblation = false }, temp.Path);
        Assert.All(checkpoints, c => Assert.Equal(c.Value, File.GetLastWriteTimeUtc(c.Key)));   // every stage resumed from its checkpoint: none rewritten
        Assert.Equal(result.Seeds[0].Iterations.Select(r => r.Log.Loss), again.Seeds[0].Iterations.Select(r => r.Log.Loss));   // logs come back with them
        Assert.Equal(result.Seeds[0].Methods.Select(m => m.Utility), again.Seeds[0].Methods.Select(m => m.Utility));
    }

    [Fact]
    public void ImagesPerPrompt_DrawsEachPromptSeveralTimes_FromDifferentNoise()
    {
        using var study = MiniatureStudy.Prepare(Tiny().Study with { EvalPrompts = 2, ImagesPerPrompt = 2 }, CPU);

        var scores = study.Evaluate(study.BaseModel, "base");

        Assert.Equal(4, scores.Images);
        Assert.Equal(scores.Prompts[0], scores.Prompts[2]);
        Assert.NotEqual(scores.PerPrompt[ImageSetScores.UtilityMetric][0], scores.PerPrompt[ImageSetScores.UtilityMetric][2]);
    }

    [Fact]
    public void RelatedBaselines_TrainAndAppearAsRows_InTheOrderAsked()
    {
        var config = Tiny() with
        {
            Controls = false, Ceilings = false, JudgeCountAblation = false, Baselines = ["dpo", "poly", "adaptive", "realalign"], PolyAlpha = 2,
            RealAlign = new RealAlignConfig(Candidates: 60, Keep: 8) { Dro = new DiffusionDroConfig(SamplingSteps: 4) },
        };

        var result = Reproducer.Run(config, null);

        Assert.Equal([MethodNames.Base, "Iter0 (= Diffusion-DPO clean)", "Iter1", "Iter2 (Semi-DPO)", MethodNames.DiffusionDpoAll, "Poly-DPO (α=2)", "Adaptive-DPO",
                MethodNames.RealAlignDro, MethodNames.RealAlign],
            result.MethodNames.ToArray());
        Assert.Contains("Adaptive-DPO", new ReproductionTables(result).VersusDiffusionDpo()[$"method vs {MethodNames.DiffusionDpoAll}"].Cast<string>());
    }

    [Theory]
    [InlineData("nonsense", "Unknown baseline 'nonsense'")]
    [InlineData("dpo,dpo", "named twice")]
    public void BaselineKeys_AreChecked(string keys, string message)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => (ReproduceConfig.Quick with { Baselines = keys.Split(',') }).Validate());
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void WithFlippedLabels_FlipsAboutThatShareOfNonTies_TiesKept_AndRunsStageOneAgain()
    {
        using var study = MiniatureStudy.Prepare(Tiny().Study, CPU);
        using var flipped = study.WithFlippedLabels(0.3, seed: 1);

        var pairs = study.Pairs.Zip(flipped.Pairs).ToList();
        var nonTies = pairs.Where(p => !p.First.IsTie).ToList();
        var share = nonTies.Count(p => p.Second.HumanPreference == -p.First.HumanPreference) / (double)nonTies.Count;
        Assert.InRange(share, 0.25, 0.35);
        Assert.All(pairs.Where(p => p.First.IsTie), p => Assert.True(p.Second.IsTie));
        Assert.True(flipped.Split.Clean.Count() < study.Split.Clean.Count(), "flipped labels disagree with the judges: fewer clean pairs");
        Assert.Same(study.BaseModel, flipped.BaseModel);
        Assert.Equal(study.Pairs[0].Truth, flipped.Pairs[0].Truth);
        Assert.Throws<ArgumentOutOfRangeException>(() => study.WithFlippedLabels(0.5));
    }

    [Fact]
    public void CleanTestPairs_TakeTheTestSplitFromExtraPairs_TheTrainingWorldKeepsAllItsCleanPairs()
    {
        using var world = MiniatureStudy.Prepare(Tiny().Study, CPU);
        using var extra = MiniatureStudy.Prepare(Tiny().Study with { CleanTestPairs = 300 }, CPU);

        Assert.Equal(world.Split.Clean.Order(), extra.Split.CleanTrain);   // the share the plain world held out trains now
        Assert.Equal(world.Split.Noisy, extra.Split.Noisy);
        Assert.NotEmpty(extra.Split.CleanTest);
        Assert.All(extra.Split.CleanTest, r => Assert.InRange(r, 600, 899));
        Assert.Equal(900, extra.Pairs.Count);
    }

    [Fact]
    public void CleanKeep_DropsTheRest_NestedAcrossShares_UnlabeledPoolUnchanged()
    {
        using var all = MiniatureStudy.Prepare(Tiny().Study, CPU);
        using var half = MiniatureStudy.Prepare(Tiny().Study with { CleanKeep = 0.5 }, CPU);
        using var quarter = MiniatureStudy.Prepare(Tiny().Study with { CleanKeep = 0.25 }, CPU);

        Assert.Equal((int)Math.Round(all.Split.CleanTrain.Length * 0.5), half.Split.CleanTrain.Length);
        Assert.Subset(half.Split.CleanTrain.ToHashSet(), quarter.Split.CleanTrain.ToHashSet());
        Assert.Subset(all.Split.CleanTrain.ToHashSet(), half.Split.CleanTrain.ToHashSet());
        Assert.Equal(all.Split.Noisy, quarter.Split.Noisy);
        Assert.Equal(all.Split.CleanTest, quarter.Split.CleanTest);
    }

    [Fact]
    public void SliceBias_MovesMostOfTheSlicesCleanPairsToNoisy_AndBalancesTheEvaluationPrompts()
    {
        var bias = new SliceBias(MinObjects: 3, ConsensusFailure: 0.75);
        using var plain = MiniatureStudy.Prepare(Tiny().Study with { EvalPrompts = 8 }, CPU);
        using var biased = MiniatureStudy.Prepare(Tiny().Study with { EvalPrompts = 8, Bias = bias }, CPU);

        int InSlice(MiniatureStudy s) => s.Split.CleanTrain.Count(r => bias.InSlice(s.Pairs[r].Caption));
        Assert.InRange(InSlice(biased), 0.1 * InSlice(plain), 0.4 * InSlice(plain));
        Assert.Equal(plain.Split.CleanTrain.Count(r => !bias.InSlice(plain.Pairs[r].Caption)), biased.Split.CleanTrain.Length - InSlice(biased));
        Assert.Equal(plain.Split.CleanTrain.Length + plain.Split.Noisy.Length, biased.Split.CleanTrain.Length + biased.Split.Noisy.Length);
        Assert.Equal(4, biased.Prompts.Count(bias.InSlice));
        Assert.Equal(4, biased.Prompts.Count(p => !bias.InSlice(p)));
    }

    [Fact]
    public void WithCleanShare_MovesTheDroppedCleanPairsToTheUnlabeled_TestSplitUnchanged()
    {
        using var study = MiniatureStudy.Prepare(Tiny().Study, CPU);
        var half = study.WithCleanShare(0.5, seed: 3);

        Assert.Equal((int)Math.Round(study.Split.CleanTrain.Length * 0.5), half.CleanTrain.Length);
        Assert.Equal(study.Split.CleanTest, half.CleanTest);
        Assert.Equal(study.Split.CleanTrain.Length + study.Split.Noisy.Length, half.CleanTrain.Length + half.Noisy.Length);
        Assert.Empty(half.CleanTrain.Intersect(half.Noisy));
        Assert.Throws<ArgumentOutOfRangeException>(() => study.WithCleanShare(0));
    }
}
