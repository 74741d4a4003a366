using SemiDpo.Analysis;
using SemiDpo.World;

namespace SemiDpo.Tests.Analysis;

public class SampleEvaluationTests
{
    [Fact]
    public void ReferenceSets_OrderAsExpected_NoiseBelowTheBestGeneratorOnEveryDimension()
    {
        var prompts = SampleEvaluation.HeldOutPrompts(60);
        var noise = SampleEvaluation.Score("noise", prompts, SampleEvaluation.NoiseImages(prompts.Count));
        var best = GeneratorProfile.Defaults.Single(g => g.Name == "master-v5");
        var master = SampleEvaluation.Score("master", prompts, SampleEvaluation.GeneratorImages(best, prompts));

        Assert.True(master.Alignment > noise.Alignment && master.Aesthetics > noise.Aesthetics && master.Detail > noise.Detail);
        Assert.Equal(60, master.PerPrompt[ImageSetScores.UtilityMetric].Length);
        Assert.Equal(master.PerPrompt[ImageSetScores.UtilityMetric].Average(), master.Utility, 9);
    }

    [Fact]
    public void WinRate_CountsOnlyStrictWins_PerPrompt()
    {
        string[] prompts = ["a", "b", "c", "d"];
        ImageSetScores Set(string name, params double[] u) =>
            new(name, prompts, [ImageSetScores.UtilityMetric], new Dictionary<string, double[]> { [ImageSetScores.UtilityMetric] = u });
        var a = Set("a", 0.5, 0.2, 0.9, 0.4);
        var b = Set("b", 0.4, 0.2, 0.1, 0.6);

        Assert.Equal(0.50, WinRate.Of(a, b, ImageSetScores.UtilityMetric));   // prompts a and c; b is a tie
        Assert.Equal(0.25, WinRate.Of(b, a, ImageSetScores.UtilityMetric));   // the tie counts for neither side
        Assert.Equal(0.00, WinRate.Of(a, a, ImageSetScores.UtilityMetric));
    }

    [Fact]
    public void WinRate_RefusesSetsScoredOnDifferentPrompts()
    {
        var metric = new Dictionary<string, double[]> { [ImageSetScores.UtilityMetric] = [1.0] };
        var ex = Assert.Throws<ArgumentException>(() =>
            WinRate.Of(new ImageSetScores("x", ["p"], [ImageSetScores.UtilityMetric], metric), new ImageSetScores("y", ["q"], [ImageSetScores.UtilityMetric], metric), ImageSetScores.UtilityMetric));
        Assert.Contains("different prompts", ex.Message);
    }

    [Fact]
    public void HeldOutPrompts_NeverAppearInTraining()
    {
        var train = PromptGrammar.Train.Select(s => s.Caption).ToHashSet();
        Assert.All(SampleEvaluation.HeldOutPrompts(500), p => Assert.DoesNotContain(p, train));
    }

    [Fact]
    public void MismatchedCounts_AreRefused() =>
        Assert.Throws<ArgumentException>(() => SampleEvaluation.Score("x", ["one red circle in the center on a white background"], []));
}
