using SemiDpo.IO;
using SemiDpo.Rewards;

namespace SemiDpo.Tests.Rewards;

public class ScoreJsonlTests
{
    static readonly string[] Judges = ["clip_score", "pick_score"];

    static Dictionary<string, (float, float)> Scores(long row) => new() { ["clip_score"] = (row, -row), ["pick_score"] = (0.5f * row, 1) };

    static string Write(string path, IEnumerable<long> rows)
    {
        using (var file = ScoreJsonl.Open(path, Judges))
            foreach (var row in rows.Where(r => !file.Done.Contains(r))) file.Append(row, Scores(row));
        return File.ReadAllText(path);
    }

    [Fact]
    public void ResumeAfterALineCutShortByAKill_GivesTheUninterruptedFile()
    {
        using var temp = TestPaths.NewTempFolder();
        var uninterrupted = Write(Path.Combine(temp.Path, "a.jsonl"), Enumerable.Range(0, 10).Select(i => (long)i));
        var killed = Path.Combine(temp.Path, "b.jsonl");
        Write(killed, Enumerable.Range(0, 6).Select(i => (long)i));
        File.AppendAllText(killed, "{\"row\":6,\"clip_sco");                      // the kill came mid-line

        using (var file = ScoreJsonl.Open(killed, Judges)) Assert.Equal(6, file.Done.Count);
        Assert.Equal(uninterrupted, Write(killed, Enumerable.Range(0, 10).Select(i => (long)i)));
        Assert.Equal(10, File.ReadAllLines(killed).Length);
    }

    [Fact]
    public void ResumingWithOtherJudges_IsRefused_NamingTheLine()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "s.jsonl");
        Write(path, [0, 1]);
        var e = Assert.Throws<ScoreFileException>(() => ScoreJsonl.Open(path, ["clip_score", "hps_score"]));
        Assert.Contains("line 1", e.Message);
        Assert.Contains("no 'hps_score'", e.Message);
    }

    [Fact]
    public void WrittenFile_IsReadBackByTheScoreFileReader()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "scores_rank000.jsonl");
        Write(path, [0, 1, 2]);
        var table = ScoreFiles.Read(path);
        Assert.Equal(3, table.Rows);
        Assert.Equal(2f, table.Score0[table.Judges.ToList().IndexOf("clip_score")][2]);
    }

    [Theory]
    [InlineData(null, null, "3", "4", "", "", 3, 4)]
    [InlineData(null, null, "", "", "2", "8", 2, 8)]
    [InlineData(1, 2, "3", "4", "", "", 1, 2)]
    public void Shard_ComesFromFlagsThenSlurmThenTorchrun(int? rank, int? worldSize, string slurmId, string slurmCount, string torchRank, string torchWorld, int expectedRank, int expectedWorld)
    {
        var saved = new[] { "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "RANK", "WORLD_SIZE" }
            .ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_ID", slurmId);
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_COUNT", slurmCount);
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_MIN", null);
            Environment.SetEnvironmentVariable("RANK", torchRank);
            Environment.SetEnvironmentVariable("WORLD_SIZE", torchWorld);
            Assert.Equal(new Shard(expectedRank, expectedWorld), Shard.Resolve(rank, worldSize));
        }
        finally
        {
            foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
        }
    }
}
