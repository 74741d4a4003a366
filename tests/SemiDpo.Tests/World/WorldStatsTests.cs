using SemiDpo.World;

namespace SemiDpo.Tests.World;

/// <summary>The default world must keep looking like Pick-a-Pic v2 (regression guard on the calibration).</summary>
public class WorldStatsTests
{
    static readonly WorldStats Stats = WorldStats.Compute(new WorldBuilder(new WorldConfig(Pairs: 3000, Seed: 21)).Pairs(0, 3000));

    [Fact]
    public void DefaultWorld_HasAboutTwelvePercentTies() => Assert.InRange(Stats.TieShare, 0.08, 0.16);

    [Fact]
    public void DefaultWorld_HumanLabelAgreesWithTruthOnAboutSeventyPercentOfNonTies() =>
        Assert.InRange(Stats.HumanAgreesWithTruth, 0.65, 0.77);

    [Fact]
    public void DefaultWorld_HasManyPairsThatTradeOneDimensionForAnother() => Assert.True(Stats.TradeOffShare > 0.3, $"{Stats.TradeOffShare:P1}");

    [Fact]
    public void DefaultWorld_UsesEveryGeneratorAndManyAnnotators()
    {
        Assert.Equal(GeneratorProfile.Defaults.Count, Stats.Generators.Count);
        Assert.True(Stats.Annotators > 100);
    }

    [Fact]
    public void BestGenerator_BeatsTheWeakest_OnTrueUtility()
    {
        var best = Stats.Generators.Single(g => g.Model == "master-v5");
        var weakest = Stats.Generators.Single(g => g.Model == "tiny-diffusion-v1");
        Assert.True(best.Utility > weakest.Utility + 0.05);
    }

    [Fact]
    public void InvalidConfig_IsRejectedNamingTheSetting()
    {
        var e = Assert.Throws<ArgumentException>(() => new WorldConfig(ImageSize: 15).Validate());
        Assert.Contains("ImageSize", e.Message);
    }
}
