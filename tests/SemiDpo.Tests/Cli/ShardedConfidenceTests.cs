using SemiDpo.Official;
using SemiDpo.Tests.StableDiffusion;

namespace SemiDpo.Tests.Cli;

/// <summary>
/// <c>semidpo confidence --rank/--world-size</c>: shards run as separate processes write their own official confidence
/// files, and the last to finish writes the same merged outputs as one process.
/// </summary>
public class ShardedConfidenceTests
{
    static void Ok((int ExitCode, string Output, string Error) run) => Assert.True(run.ExitCode == 0, run.Error + run.Output);

    [Fact]
    public async Task ThreeShardProcesses_WriteTheOutputsOfOneProcess_ByteForByte()
    {
        using var temp = TestPaths.NewTempFolder();
        string In(string name) => Path.Combine(temp.Path, name);
        var filter = CliProcess.FilteredWorld(temp.Path, pairs: 300, seed: 10);
        Ok(CliProcess.Run(TestPaths.RepoRoot, ["train", "--filter", filter, "--out", In("train"), "--iterations", "1", "--steps0", "4", "--batch", "4", "--micro-batch", "4"]));
        string[] Confidence(string output, params string[] shard) =>
            ["confidence", "--model", In("train/iter0.ckpt"), "--filter", filter, "--out", output, "--threshold", "fixed", "--percentile", "50",
              "--unlabeled-sample", "50", .. shard];   // 4 batches of 16: 2, 1 and 1 per shard

        Ok(CliProcess.Run(TestPaths.RepoRoot, Confidence(In("one"))));
        var shards = Enumerable.Range(0, 3).Select(r => CliProcess.Start(TestPaths.RepoRoot, Confidence(In("three"), "--rank", $"{r}", "--world-size", "3"))).ToList();
        foreach (var process in shards)
        {
            var error = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, await error);
        }

        foreach (var file in new[] { "z-test.csv", "z-unlabeled.csv", "thresholds.csv", "summary.csv", "summary.json", "pseudo_labels.json" })
            Assert.True(File.ReadAllBytes(In($"one/{file}")).SequenceEqual(File.ReadAllBytes(In($"three/{file}"))), $"{file} differs");
        var single = File.ReadAllLines(In("one/unlabeled/confidence_rank000.jsonl")).Order(StringComparer.Ordinal);
        var merged = Enumerable.Range(0, 3).SelectMany(r => File.ReadAllLines(In($"three/unlabeled/confidence_rank{r:000}.jsonl"))).Order(StringComparer.Ordinal);
        Assert.Equal(single, merged);                                                    // each pair in exactly one shard, same z

        var mixed = CliProcess.Run(TestPaths.RepoRoot, Confidence(In("three"), "--rank", "0", "--world-size", "2"));
        Assert.Equal(1, mixed.ExitCode);
        Assert.Contains("holds confidence shards of another run", mixed.Error);
        File.SetLastWriteTimeUtc(In("train/iter0.ckpt"), DateTime.UtcNow.AddMinutes(1));              // as if retrained in place
        var retrained = CliProcess.Run(TestPaths.RepoRoot, Confidence(In("three"), "--rank", "0", "--world-size", "3"));
        Assert.Equal(1, retrained.ExitCode);                                                    // its complete shard is not reused
        Assert.Contains("holds confidence shards of another run", retrained.Error);
    }

    [Fact]
    public void OnAStableDiffusionFolder_ConfidenceScoresTheExportAgainstTheBase_AndFromItsFilesGivesTheSameThresholds()
    {
        using var temp = TestPaths.NewTempFolder();
        string In(string name) => Path.Combine(temp.Path, name);
        var filter = CliProcess.FilteredWorld(temp.Path, pairs: 300, seed: 10);
        Ok(CliProcess.Run(TestPaths.RepoRoot, ["train", "--filter", filter, "--model", SdFixture.TinySd, "--iterations", "1", "--steps0", "3", "--batch", "4",
            "--micro-batch", "4", "--lr0", "1e-2", "--resolution", "32", "--out", In("train"), "--export", In("export")]));
        string[] Fit = ["--filter", filter, "--threshold", "fixed", "--percentile", "60"];

        var scored = CliProcess.Run(TestPaths.RepoRoot, ["confidence", "--model", In("export"), "--reference", SdFixture.TinySd, "--resolution", "32",
            "--unlabeled-sample", "30", "--out", In("scored"), .. Fit]);
        var refit = CliProcess.Run(TestPaths.RepoRoot, ["confidence", "--from", In("scored"), "--out", In("refit"), .. Fit]);

        Ok(scored);
        Ok(refit);
        var z = ConfidenceFiles.Read(In("scored/unlabeled"));
        Assert.Equal(30, z.Count);
        Assert.Contains(z.Values, v => v.Any(x => x != 0));                          // the export is not the base
        Assert.Contains("z of", refit.Output);
        foreach (var file in new[] { "z-test.csv", "z-unlabeled.csv", "thresholds.csv", "summary.csv", "summary.json", "pseudo_labels.json" })
            Assert.True(File.ReadAllBytes(In($"scored/{file}")).SequenceEqual(File.ReadAllBytes(In($"refit/{file}"))), $"{file} differs");

        File.AppendAllText(In("scored/unlabeled/confidence_rank000.jsonl"), "{\"idx\": 99999999" +
            string.Concat(Enumerable.Range(0, 10).Select(j => $", \"timestep_{50 + 100 * j}\": 1.0")) + "}\n");
        var foreign = CliProcess.Run(TestPaths.RepoRoot, ["confidence", "--from", In("scored"), "--out", In("refit2"), .. Fit]);
        Assert.Equal(1, foreign.ExitCode);
        Assert.Contains("pair idx 99999999 is not a non-tie pair", foreign.Error);
        Assert.Single(foreign.Error.Trim().Split('\n'));
    }
}
