using SemiDpo.Diffusion;

namespace SemiDpo.Tests.Cli;

/// <summary>
/// A run killed with SIGKILL mid-training and started again ends with the checkpoint and the log of an uninterrupted
/// run; a second run on the same output folder is refused while the first lives.
/// </summary>
public class KillAndResumeTests
{
    static void Ok((int ExitCode, string Output, string Error) run) => Assert.True(run.ExitCode == 0, run.Error + run.Output);

    static string[] Train(string filter, string output) =>
        ["train", "--filter", filter, "--out", output, "--iterations", "1", "--steps0", "60", "--batch", "4", "--micro-batch", "4", "--checkpoint-every", "3"];

    [Fact]
    public void TrainKilledMidRun_ResumesToTheUninterruptedCheckpointAndLog_AndASecondRunIsRefusedMeanwhile()
    {
        using var temp = TestPaths.NewTempFolder();
        var filter = CliProcess.FilteredWorld(temp.Path, pairs: 400, seed: 4);
        var whole = Path.Combine(temp.Path, "whole");
        var killed = Path.Combine(temp.Path, "killed");
        Ok(CliProcess.Run(TestPaths.RepoRoot, Train(filter, whole)));

        using (var child = CliProcess.Start(TestPaths.RepoRoot, Train(filter, killed)))
        {
            var checkpoint = Path.Combine(killed, "iter0.ckpt");
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (!(File.Exists(checkpoint) && Checkpoint.ReadHeader(checkpoint).Step >= 6) && DateTime.UtcNow < deadline && !child.HasExited)
                Thread.Sleep(50);
            var second = CliProcess.Run(TestPaths.RepoRoot, Train(filter, killed));
            child.Kill();                                                   // SIGKILL: no handler runs
            child.WaitForExit();
            Assert.InRange(Checkpoint.ReadHeader(checkpoint).Step, 6, 59);  // really killed mid-run
            Assert.Equal(1, second.ExitCode);
            Assert.Contains("another semidpo run is writing here", second.Error);
        }
        Ok(CliProcess.Run(TestPaths.RepoRoot, Train(filter, killed)));       // the lock died with the process

        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "iter0.ckpt")), File.ReadAllBytes(Path.Combine(killed, "iter0.ckpt")));
        var log = File.ReadAllLines(Path.Combine(killed, "train-log.csv"));
        Assert.Equal(File.ReadAllLines(Path.Combine(whole, "train-log.csv")), log);
        Assert.Equal(61, log.Length);
    }
}
