using System.Diagnostics;
using SemiDpo.Diffusion;
using SemiDpo.Tests.Cli;
using SemiDpo.Tests.StableDiffusion;

namespace SemiDpo.Tests.Distributed;

/// <summary>
/// <c>mpiexec -n 2 semidpo train</c> against one process with the same global batch (one thread per process, so the
/// kernels add in the same order): the same checkpoints and train-log bit for bit; a killed rank ends the job, a hung
/// one times out with one line, and a run resumes with another number of ranks to the uninterrupted result.
/// </summary>
public class MpiTrainingTests
{
    static readonly Dictionary<string, string> OneThread = new() { ["OMP_NUM_THREADS"] = "1" };

    static void Ok((int ExitCode, string Output, string Error) run) => Assert.True(run.ExitCode == 0, run.Error + run.Output);

    static string[] Train(string filter, string output) =>
        ["train", "--filter", filter, "--out", output, "--iterations", "2", "--steps0", "8", "--steps", "4", "--batch", "8", "--micro-batch", "4",
         "--unlabeled-sample", "32", "--checkpoint-every", "2"];

    static void AssertSameRun(string expected, string actual)
    {
        foreach (var file in new[] { "iter0.ckpt", "iter1.ckpt", "train-log.csv", "official/iter1/confidence_rank000.jsonl", "official/iter1/pseudo_labels.json" })
            Assert.True(File.ReadAllBytes(Path.Combine(expected, file)).SequenceEqual(File.ReadAllBytes(Path.Combine(actual, file))), $"{actual}/{file} differs from {expected}'s");
    }

    /// <summary>The rank processes of a run (found by its output folder on their command lines).</summary>
    static int[] Ranks(string output) => Directory.GetDirectories("/proc").Select(d => Path.GetFileName(d)).Where(n => n.All(char.IsDigit))
        .Where(pid =>
        {
            try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ') is var line && line.Contains("SemiDpo.Cli.dll") && line.Contains(output) && !line.StartsWith("mpiexec"); }
            catch (IOException) { return false; }
        }).Select(int.Parse).ToArray();

    static void WaitForCheckpoint(Process job, string output)
    {
        var checkpoint = Path.Combine(output, "iter0.ckpt");
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!(File.Exists(checkpoint) && Checkpoint.ReadHeader(checkpoint).Step >= 2) && DateTime.UtcNow < deadline && !job.HasExited) Thread.Sleep(50);
        Assert.False(job.HasExited, "the run ended before it could be interrupted");
    }

    [MpiFact]
    public void TwoRanks_TrainTheWorldsIter0AndIter1_BitIdenticalToOneProcess_AndResumeAcrossRankCounts()
    {
        using var temp = TestPaths.NewTempFolder();
        string In(string name) => Path.Combine(temp.Path, name);
        var filter = CliProcess.FilteredWorld(temp.Path, pairs: 400, seed: 4);
        Ok(CliProcess.Run(TestPaths.RepoRoot, Train(filter, In("one")), environment: OneThread));
        var two = CliProcess.Run(TestPaths.RepoRoot, Train(filter, In("two")), ranks: 2);
        Ok(two);
        Assert.Contains("data parallel: 2 ranks over MPI", two.Output);
        Assert.Single(two.Output.Split('\n'), line => line.StartsWith("Stage 2 took"));   // rank 1 prints nothing
        AssertSameRun(In("one"), In("two"));

        // Two ranks, one killed mid-Iter0: the launcher ends the job; one process resumes it.
        using (var job = CliProcess.Start(TestPaths.RepoRoot, Train(filter, In("killed-two")), ranks: 2))
        {
            WaitForCheckpoint(job, In("killed-two"));
            var ranks = Ranks(In("killed-two"));
            Assert.Equal(2, ranks.Length);
            var clock = Stopwatch.StartNew();
            Process.GetProcessById(ranks[1]).Kill();
            Assert.True(job.WaitForExit(TimeSpan.FromSeconds(30)), "the job outlived its killed rank by 30 s");
            Assert.NotEqual(0, job.ExitCode);
            Assert.Empty(Ranks(In("killed-two")));
            Assert.InRange(clock.Elapsed.TotalSeconds, 0, 30);
        }
        Ok(CliProcess.Run(TestPaths.RepoRoot, Train(filter, In("killed-two")), environment: OneThread));
        AssertSameRun(In("one"), In("killed-two"));

        // One process killed mid-Iter0; two ranks resume it.
        using (var single = CliProcess.Start(TestPaths.RepoRoot, Train(filter, In("killed-one")), ranks: 0, OneThread))
        {
            WaitForCheckpoint(single, In("killed-one"));
            single.Kill();
            single.WaitForExit();
        }
        Ok(CliProcess.Run(TestPaths.RepoRoot, Train(filter, In("killed-one")), ranks: 2));
        AssertSameRun(In("one"), In("killed-one"));
    }

    [MpiFact]
    public void ACommandThatDoesNotShareItsWork_IsRefusedUnderMpi_WithOneLinePerRank()
    {
        var run = CliProcess.Run(TestPaths.RepoRoot, ["reproduce", "--quick", "--out", Path.Combine(Path.GetTempPath(), $"semidpo-mpi-{Guid.NewGuid():N}")], ranks: 2);
        Assert.Equal(2, run.ExitCode);
        var lines = run.Error.Split('\n').Where(l => l.StartsWith("semidpo:")).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal("semidpo: 'semidpo reproduce' does not run under mpiexec or srun: only train (and bench allreduce) share their work across ranks; run it as one process.", l));
    }

    [MpiFact]
    public void AHungRank_EndsTheJobWithOneLinePerLiveRank_AfterTheTimeout()
    {
        using var temp = TestPaths.NewTempFolder();
        var filter = CliProcess.FilteredWorld(temp.Path, pairs: 400, seed: 4);
        var output = Path.Combine(temp.Path, "hung");
        // Long enough that a rank slowed by a busy machine (CI runs notebook kernels beside this) is not taken for hung.
        using var job = CliProcess.Start(TestPaths.RepoRoot, Train(filter, output), ranks: 2, new Dictionary<string, string> { ["SEMIDPO_MPI_TIMEOUT"] = "20" });
        var error = job.StandardError.ReadToEndAsync();
        var stdout = job.StandardOutput.ReadToEndAsync();
        WaitForCheckpoint(job, output);
        var stopped = Ranks(output)[1];
        Process.Start("kill", ["-STOP", $"{stopped}"])!.WaitForExit();
        Assert.True(job.WaitForExit(TimeSpan.FromSeconds(60)), "the job hung");
        Assert.NotEqual(0, job.ExitCode);
        var ours = error.Result.Split('\n').Where(l => l.StartsWith("semidpo:")).ToList();
        var line = Assert.Single(ours);
        Assert.Matches(@"^semidpo: rank \d of 2: no answer from the other ranks for 20 s in .+ \(a rank died or hangs; SEMIDPO_MPI_TIMEOUT sets the wait\)\.$", line);
        Assert.DoesNotContain("   at ", error.Result + stdout.Result);
    }

    [MpiFact]
    public void TwoRanks_TrainLoraOnTheTinySdFolder_BitIdenticalToOneProcess()
    {
        using var temp = TestPaths.NewTempFolder();
        string In(string name) => Path.Combine(temp.Path, name);
        var filter = CliProcess.FilteredWorld(temp.Path, pairs: 300, seed: 3);
        string[] Lora(string output) => ["train", "--filter", filter, "--model", SdFixture.TinySd, "--lora", "2", "--iterations", "2", "--steps0", "4", "--steps", "3",
            "--batch", "4", "--micro-batch", "2", "--lr0", "1e-2", "--lr", "1e-2", "--resolution", "32", "--unlabeled-sample", "24", "--threshold", "fixed",
            "--percentile", "50", "--out", output];
        Ok(CliProcess.Run(TestPaths.RepoRoot, Lora(In("one")), environment: OneThread));
        Ok(CliProcess.Run(TestPaths.RepoRoot, Lora(In("two")), ranks: 2));
        AssertSameRun(In("one"), In("two"));
        Assert.True(File.ReadAllBytes(In("one/iter1-lora/pytorch_lora_weights.safetensors")).SequenceEqual(File.ReadAllBytes(In("two/iter1-lora/pytorch_lora_weights.safetensors"))));
    }
}
