using SemiDpo.Data;
using SemiDpo.Rewards;
using SemiDpo.Tests.StableDiffusion;
using SemiDpo.World;

namespace SemiDpo.Tests.Cli;

/// <summary><c>semidpo score</c> split over processes: the shards together are the one-process file, and filter reads them by glob.</summary>
public class ScoreCommandTests
{
    [Fact]
    public async Task ThreeShardsAsThreeProcesses_TogetherEqualOneProcess_AndFilterReadsThemByGlob()
    {
        using var temp = TestPaths.NewTempFolder();
        var pairs = Path.Combine(temp.Path, "pairs.parquet");
        await new WorldBuilder(new WorldConfig(Pairs: 30, Seed: 9, RowGroupSize: 8)).WriteAsync(pairs);
        string[] Score(string output, params string[] more) =>
            ["score", "--in", pairs, "--judges", $"clip={SdFixture.Folder("tiny-clip")}", "--batch", "4", "--out", output, .. more];
        var whole = Path.Combine(temp.Path, "whole.jsonl");

        var single = CliProcess.Run(temp.Path, Score(whole));
        var shards = Enumerable.Range(0, 3).Select(r => CliProcess.Start(temp.Path,
            Score(Path.Combine(temp.Path, "shards", $"scores_rank{r:000}.jsonl"), "--rank", $"{r}", "--world-size", "3"))).ToList();
        foreach (var shard in shards) { shard.WaitForExit(); Assert.True(shard.ExitCode == 0, shard.StandardError.ReadToEnd()); }

        Assert.True(single.ExitCode == 0, single.Error + single.Output);
        var one = ScoreFiles.Read(whole);
        var files = Directory.GetFiles(Path.Combine(temp.Path, "shards"), "*.jsonl");
        var merged = ScoreFiles.Read(files, [.. Enumerable.Range(0, one.Rows).Select(i => (long)i)]);   // every row once, or an error
        var nonTie = (await PickapicFile.ReadPairsAsync(pairs)).Count(p => !p.IsTie);
        Assert.Equal(nonTie, one.Rows);   // the official idx 0…N−1 of the non-tie rows; ties are not scored
        Assert.Equal(nonTie, files.Sum(f => File.ReadAllLines(f).Length));
        for (var k = 0; k < one.Judges.Count; k++)   // batches differ between the runs: equal up to float rounding
        {
            Assert.Equal(one.Score0[k], merged.Score0[k], (a, b) => Math.Abs(a - b) < 1e-5f);
            Assert.Equal(one.Score1[k], merged.Score1[k], (a, b) => Math.Abs(a - b) < 1e-5f);
        }

        var filter = CliProcess.Run(temp.Path, ["filter", "--in", pairs, "--scores", Path.Combine(temp.Path, "shards", "scores_rank*.jsonl"),
            "--index-only", "--out", Path.Combine(temp.Path, "filter")]);
        Assert.True(filter.ExitCode == 0, filter.Error + filter.Output);
        Assert.True(File.Exists(Path.Combine(temp.Path, "filter", "clean_idx.json")));
    }
}
