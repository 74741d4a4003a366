using SemiDpo.Method;
using SemiDpo.Tests.Cli;
using SemiDpo.Tests.StableDiffusion;

namespace SemiDpo.Tests.Method;

/// <summary>The official SD1.5 schedule as one preset (scripts/1_train_clean.sh, 3_train_pseudo.sh), not the miniature's defaults.</summary>
public class OfficialPresetTests
{
    [Fact]
    public void ThePreset_IsTheOfficialRun_GlobalBatch512_ScaledRates_Warmup400_1600And4000Steps()
    {
        var config = OfficialPreset.Apply(new SemiDpoConfig(), microBatch: 4);

        Assert.Equal(3, config.Iterations);
        Assert.Equal(ReferenceChoice.Previous, config.TrainingReference);
        Assert.Equal((1600, 4e-9, 512 * 4e-9), (config.Iter0.Steps, config.Iter0.LearningRate, config.Iter0.PeakLearningRate));
        Assert.Equal((4000, 4e-10, 512 * 4e-10), (config.Later.Steps, config.Later.LearningRate, config.Later.PeakLearningRate));
        Assert.All(new[] { config.Iter0, config.Later }, c =>
        {
            Assert.Equal((512, 4, 400, 2500.0, 100), (c.BatchSize, c.MicroBatch, c.WarmupSteps, c.Beta, c.CheckpointEvery));
            Assert.True(c.ScaleLearningRate);
        });
        config.Validate();
    }

    [Fact]
    public void ThePreset_RefusesAnOptionItSets_InOneLine_AndNeedsAStableDiffusionFolder()
    {
        using var temp = TestPaths.NewTempFolder();
        var clash = CliProcess.Run(TestPaths.RepoRoot, ["train", "--model", SdFixture.TinySd, "--preset", "sd15-official", "--lr0", "1e-6", "--out", temp.Path]);
        Assert.Equal(1, clash.ExitCode);   // as --config with a shaping option: an input error
        Assert.Contains("--lr0 cannot be combined with --preset sd15-official", clash.Error + clash.Output);
        Assert.DoesNotContain("   at ", clash.Error + clash.Output);

        var world = CliProcess.Run(TestPaths.RepoRoot, ["train", "--preset", "sd15-official", "--out", temp.Path]);
        Assert.NotEqual(0, world.ExitCode);
        Assert.Contains("need --model", world.Error + world.Output);
    }
}
