using SemiDpo.Cli.Commands;
using SemiDpo.Method;
using SemiDpo.Reproduction;

namespace SemiDpo.Tests.Cli;

/// <summary><c>semidpo reproduce</c>'s options reach the configuration it runs (and writes to config.json).</summary>
public class ReproduceSettingsTests
{
    [Fact]
    public void ThresholdPopulation_DefaultsToAllScored_AndTheOptionReachesStageTwo()
    {
        Assert.Equal(ThresholdPopulation.AllScored, new ReproduceCommand.Settings().ToConfig().SemiDpo.Thresholds.Population);
        var official = new ReproduceCommand.Settings { Population = ThresholdPopulation.Official }.ToConfig();
        Assert.Equal(ThresholdPopulation.Official, official.SemiDpo.Thresholds.Population);
        Assert.Equal(ReproduceConfig.Default.SemiDpo.Thresholds with { Population = ThresholdPopulation.Official }, official.SemiDpo.Thresholds);
    }
}
