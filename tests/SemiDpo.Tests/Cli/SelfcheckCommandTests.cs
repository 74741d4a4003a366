namespace SemiDpo.Tests.Cli;

/// <summary><c>semidpo selfcheck sd15</c> at its tiny size: the real path's steps as processes, kill -9 and resume byte-identical.</summary>
public class SelfcheckCommandTests
{
    [Fact]
    public void TheSelfcheck_OnTheTinyArchitectures_RunsEveryStep_AndResumesAKilledTrainingByteIdentically()
    {
        using var temp = TestPaths.NewTempFolder();
        var run = CliProcess.Run(TestPaths.RepoRoot, ["selfcheck", "sd15", "--size", "tiny", "--fine-tuning", "lora", "--out", temp.Path], timeoutSeconds: 600);

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.Contains("byte-identical", run.Output);
        Assert.Contains("reload the LoRA export and sample", run.Output);
        Assert.True(File.Exists(Path.Combine(temp.Path, "lora-export.png")));
        Assert.True(File.Exists(Path.Combine(temp.Path, "stable-diffusion", "tokenizer", "merges.txt")));
    }

    [Theory]
    [InlineData("--size", "huge", "--size: 'huge' is not sd15 or tiny")]
    [InlineData("--fine-tuning", "partial", "--fine-tuning: 'partial' is not lora, full or both")]
    public void AnUnknownChoice_IsAOneLineUsageError(string option, string value, string message)
    {
        var run = CliProcess.Run(TestPaths.RepoRoot, ["selfcheck", "sd15", option, value]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error + run.Output);
    }
}
