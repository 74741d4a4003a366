using SemiDpo.Analysis;
using SemiDpo.Data.World;

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
        Assert.Equal(60, master.Utilities.Length);
        Assert.Equal(master.Utilities.Average(), master.Utility, 9);
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
