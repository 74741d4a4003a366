using SemiDpo.Analysis;

namespace SemiDpo.Tests.Analysis;

public class PairedBootstrapTests
{
    static ImageSetScores Scores(string name, params double[] utility) =>
        new(name, utility.Select((_, i) => $"prompt {i}").ToList(), [ImageSetScores.UtilityMetric],
            new Dictionary<string, double[]> { [ImageSetScores.UtilityMetric] = utility });

    [Fact]
    public void AConstantShift_GivesThatMeanAndAnIntervalOfZeroWidth()
    {
        var b = Scores("b", Enumerable.Range(0, 50).Select(i => Math.Sin(i)).ToArray());
        var a = Scores("a", b.PerPrompt[ImageSetScores.UtilityMetric].Select(v => v + 0.1).ToArray());

        var d = PairedBootstrap.Of(a, b, ImageSetScores.UtilityMetric);

        Assert.Equal(0.1, d.Mean, 9);
        Assert.Equal(0.1, d.Lower, 9);
        Assert.Equal(0.1, d.Upper, 9);
        Assert.Equal(1, d.Sign);
    }

    [Fact]
    public void NoisyDifferencesAroundZero_GiveAnIntervalThatHoldsZero_PairingRemovesThePromptEffect()
    {
        var random = new Random(3);
        var prompt = Enumerable.Range(0, 200).Select(_ => random.NextDouble() * 10).ToArray();   // large prompt effect, shared
        var a = Scores("a", prompt.Select(p => p + 0.01 * (random.NextDouble() - 0.5)).ToArray());
        var b = Scores("b", prompt.Select(p => p + 0.01 * (random.NextDouble() - 0.5)).ToArray());

        var d = PairedBootstrap.Of(a, b, ImageSetScores.UtilityMetric);

        Assert.Equal(0, d.Sign);
        Assert.True(d.Upper - d.Lower < 0.003, $"paired interval {d.Lower}…{d.Upper} should not carry the prompt effect (range 10)");
    }

    [Fact]
    public void Seeds_AreResampledToo_SoDisagreeingSeedsWidenTheInterval()
    {
        var b = Scores("b", Enumerable.Repeat(0.5, 40).ToArray());
        var up = Scores("a", Enumerable.Repeat(0.6, 40).ToArray());
        var down = Scores("a", Enumerable.Repeat(0.4, 40).ToArray());

        var agreeing = PairedBootstrap.Of([(up, b), (up, b)], ImageSetScores.UtilityMetric);
        var disagreeing = PairedBootstrap.Of([(up, b), (down, b), (up, b), (down, b)], ImageSetScores.UtilityMetric);

        Assert.Equal(0, agreeing.Upper - agreeing.Lower, 9);
        Assert.Equal(0, disagreeing.Mean, 9);
        Assert.Equal(0, disagreeing.Sign);
    }

    [Fact]
    public void DifferentPrompts_AreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => PairedBootstrap.Of(Scores("a", 1, 2), Scores("b", 1), ImageSetScores.UtilityMetric));
        Assert.Contains("different prompts", e.Message);
    }
}
