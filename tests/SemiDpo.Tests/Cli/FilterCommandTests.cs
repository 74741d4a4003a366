using System.Text.Json;
using SemiDpo.Data;
using SemiDpo.Official;
using SemiDpo.Rewards;
using SemiDpo.Tests.Data;
using SemiDpo.World;

namespace SemiDpo.Tests.Cli;

/// <summary><c>semidpo filter --scores</c>: streamed, matched to pairs by row, and robust to real shards' quirks.</summary>
public class FilterCommandTests
{
    static void WriteScores(string path, IEnumerable<long> rows, string[] judges, int seed)
    {
        var random = new Random(seed);
        File.WriteAllLines(path, rows.OrderBy(_ => random.Next()).Select(row =>
            ScoreJsonl.Line(row, judges.Select(j => (j, (float)random.NextDouble(), (float)random.NextDouble())))));
    }

    [Fact]
    public async Task StreamedFilter_GivesTheInMemorySplit_ForScoresInAnyOrderAcrossFiles()
    {
        using var temp = TestPaths.NewTempFolder();
        var world = Path.Combine(temp.Path, "pairs.parquet");
        await new WorldBuilder(new WorldConfig(Pairs: 160, Seed: 8, RowGroupSize: 32)).WriteAsync(world);
        var first = Path.Combine(temp.Path, "a.jsonl");
        var second = Path.Combine(temp.Path, "b.jsonl");
        var pairs = (await PickapicFile.ReadPairsAsync(world)).Where(p => !p.IsTie).ToList();   // the official files name non-tie pairs only
        long[] idx = [.. pairs.Select(p => p.Row)];
        WriteScores(first, idx, ["clip_score", "pick_score"], 1);
        WriteScores(second, idx, ["hps_score"], 2);
        var output = Path.Combine(temp.Path, "out");

        var run = CliProcess.Run(temp.Path, ["filter", "--in", world, "--scores", first, "--scores", second, "--out", output]);

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        var expected = ConsensusFilter.Split(pairs.Select(p => p.Label0).ToArray(), pairs.Select(p => p.Label1).ToArray(),
            ScoreFiles.Read([first, second], idx).Select(["clip_score", "pick_score", "hps_score"]));
        var cleanTrain = await PickapicFile.ReadPairsAsync(Path.Combine(output, "clean-train.parquet"));
        var noisy = await PickapicFile.ReadPairsAsync(Path.Combine(output, "noisy.parquet"));
        Assert.Equal(expected.CleanTrain.Select(i => pairs[i].Caption), cleanTrain.Select(p => p.Caption));
        Assert.Equal(expected.CleanTrain.Select(i => pairs[i].Image0.Pixels), cleanTrain.Select(p => p.Image0.Pixels));
        Assert.Equal(expected.Noisy.Length, noisy.Count);
        Assert.Equal(expected.CleanTrain.Select(i => idx[i]), ConsensusIndexFiles.ReadCleanIdx(Path.Combine(output, "clean_idx.json")));
    }

    [Fact]
    public async Task QuirkyShard_WithSkipBadRows_FiltersTheRest_AndReportsEachQuirk()
    {
        using var temp = TestPaths.NewTempFolder();
        var shard = await PickapicQuirksTests.WriteQuirkyShard(temp.Path);
        var scores = Path.Combine(temp.Path, "scores.jsonl");
        // By official idx (the tie, raw row 4, has none; raw rows 5 and 6 are idx 4 and 5); idx 1 (undecodable) was never scored.
        WriteScores(scores, [0, 2, 3, 4, 5], ["clip_score"], 3);
        var output = Path.Combine(temp.Path, "out");

        var strict = CliProcess.Run(temp.Path, ["filter", "--in", shard, "--scores", scores, "--out", output]);
        var lenient = CliProcess.Run(temp.Path, ["filter", "--in", shard, "--scores", scores, "--out", output, "--skip-bad-rows"]);

        Assert.Equal(1, strict.ExitCode);
        Assert.Contains("row 2, column 'caption': caption is null", strict.Error);
        Assert.True(lenient.ExitCode == 0, lenient.Error + lenient.Output);
        using var stats = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "filter-stats.json")));
        Assert.Equal(7, stats.RootElement.GetProperty("RowsRead").GetInt64());
        Assert.Equal(2, stats.RootElement.GetProperty("Pairs").GetInt32());
        var excluded = stats.RootElement.GetProperty("ExcludedRows");
        Assert.Equal(1, excluded.GetProperty("are_different: the two images are the same").GetInt32());
        Assert.Equal(1, excluded.GetProperty("has_label: no human label").GetInt32());
        var skipped = stats.RootElement.GetProperty("SkippedRows");
        Assert.Equal(1, skipped.GetProperty("caption: caption is null").GetInt32());
        Assert.Equal(1, skipped.GetProperty("clip_score: no score for this row").GetInt32());
        Assert.Single(skipped.EnumerateObject(), p => p.Name.StartsWith("label_0"));
        var listed = File.ReadAllLines(Path.Combine(output, "skipped-rows.csv")).Skip(1).Select(l => l.Split(',')[2]).Order().ToList();
        Assert.Equal(["1", "2", "3", "4", "5"], listed);
    }
}
