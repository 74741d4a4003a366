using SemiDpo.Rewards;

namespace SemiDpo.Tests.Rewards;

public class ScoreFilesTests
{
    [Fact]
    public void Jsonl_RoundTripsEveryJudgesScores()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "scores.jsonl");
        var table = new ScoreTable(["MiniClip", "MiniHps"], [[0.5f, -1.25f], [3f, 4f]], [[0.25f, 2f], [1e-7f, -8f]]);

        ScoreFiles.WriteJsonl(path, table);
        var back = ScoreFiles.Read(path);

        Assert.Equal(table.Judges.Order(), back.Judges.Order());
        foreach (var judge in table.Judges)
        {
            Assert.Equal(table.Score0[table.IndexOf(judge)], back.Score0[back.IndexOf(judge)]);
            Assert.Equal(table.Score1[table.IndexOf(judge)], back.Score1[back.IndexOf(judge)]);
        }
    }

    [Fact]
    public void OfficialLayout_OneFilePerModel_IsMerged()
    {
        using var temp = TestPaths.NewTempFolder();
        var clip = Path.Combine(temp.Path, "clip.jsonl");
        var pick = Path.Combine(temp.Path, "pickscore.jsonl");
        File.WriteAllLines(clip, ["{\"row\": 1, \"clip\": [0.3, 0.1]}", "{\"row\": 0, \"clip\": [0.2, 0.4]}"]);
        File.WriteAllLines(pick, ["{\"row\": 0, \"pickscore\": [21.5, 20.0]}", "{\"row\": 1, \"pickscore\": [19.0, 22.25]}"]);

        var table = ScoreFiles.Read(clip, pick);

        Assert.Equal(2, table.Rows);
        Assert.Equal([0.2f, 0.3f], table.Score0[table.IndexOf("clip")]);
        Assert.Equal([20.0f, 22.25f], table.Score1[table.IndexOf("pickscore")]);
    }

    [Fact]
    public void Csv_WithModelColumnPairs_IsRead()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "scores.csv");
        File.WriteAllLines(path, ["row,hps_0,hps_1", "0,0.25,0.5", "1,1.5,-2"]);

        var table = ScoreFiles.Read(path);

        Assert.Equal(["hps"], table.Judges);
        Assert.Equal([0.5f, -2f], table.Score1[0]);
    }

    [Theory]
    [InlineData("{\"row\": 0, \"clip\": [0.1, 0.2]}\n{\"row\": 2, \"clip\": [0.1, 0.2]}", "no score for row 1", 0)]
    [InlineData("{\"row\": 0, \"clip\": [0.1, 0.2]}\n{\"row\": 1, \"clip\": [\"NaN\", 0.2]}", "not a finite number", 2)]
    [InlineData("{\"row\": 0, \"clip\": [0.1, 0.2, 0.3]}", "must be a pair", 1)]
    [InlineData("{\"row\": 0, \"clip\": [0.1, 0.2]}\n{\"row\": 0, \"clip\": [0.1, 0.2]}", "appears twice", 2)]
    [InlineData("{\"row\": 0, \"clip\": [0.1, 0.2]}\n{row: 1}", "not valid JSON", 2)]
    [InlineData("{\"clip\": [0.1, 0.2]}", "\"row\"", 1)]
    public void BadJsonl_IsRejectedNamingFileAndLine(string content, string problem, int line)
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "bad.jsonl");
        File.WriteAllText(path, content);

        var e = Assert.Throws<ScoreFileException>(() => ScoreFiles.Read(path));

        Assert.Contains(problem, e.Message);
        Assert.Contains(path, e.Message);
        Assert.Equal(line, e.Line);
    }

    [Fact]
    public void BadCsvCell_IsRejectedNamingTheLine()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "bad.csv");
        File.WriteAllLines(path, ["row,hps_0,hps_1", "0,0.25,0.5", "1,nan,2"]);

        var e = Assert.Throws<ScoreFileException>(() => ScoreFiles.Read(path));

        Assert.Equal(3, e.Line);
        Assert.Contains("hps_0", e.Message);
    }
}

public class ParquetScoreFilesTests
{
    static async Task<string> Write(string folder, long[] rows, double[] s0, double[] s1)
    {
        var path = Path.Combine(folder, "scores.parquet");
        var fields = new Parquet.Schema.DataField[] { new Parquet.Schema.DataField<long>("row"), new Parquet.Schema.DataField<double>("hps_0"), new Parquet.Schema.DataField<double>("hps_1") };
        await using var stream = File.Create(path);
        await using var writer = await Parquet.ParquetWriter.CreateAsync(new Parquet.Schema.ParquetSchema(fields), stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(fields[0], new ReadOnlyMemory<long>(rows));
        await group.WriteAsync(fields[1], new ReadOnlyMemory<double>(s0));
        await group.WriteAsync(fields[2], new ReadOnlyMemory<double>(s1));
        return path;
    }

    [Fact]
    public async Task ParquetScoreColumns_AreRead()
    {
        using var temp = TestPaths.NewTempFolder();
        var table = ScoreFiles.Read(await Write(temp.Path, [1, 0], [0.5, 1.5], [2, -1]));

        Assert.Equal(["hps"], table.Judges);
        Assert.Equal([1.5f, 0.5f], table.Score0[0]);
        Assert.Equal([-1f, 2f], table.Score1[0]);
    }

    [Fact]
    public async Task ANonFiniteParquetScore_IsRejectedNamingItsRow()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = await Write(temp.Path, [0, 1], [0.5, double.NaN], [2, -1]);

        var e = Assert.Throws<ScoreFileException>(() => ScoreFiles.Read(path));

        Assert.Equal(2, e.Line);
        Assert.Contains("not a finite number", e.Message);
    }
}
