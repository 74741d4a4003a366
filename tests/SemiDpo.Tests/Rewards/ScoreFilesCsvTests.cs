using SemiDpo.IO;
using SemiDpo.Rewards;

namespace SemiDpo.Tests.Rewards;

/// <summary>The CSV writer and the score-file CSV reader agree on RFC 4180: quoted fields, commas and quotes inside them.</summary>
public class ScoreFilesCsvTests
{
    [Fact]
    public void CsvScores_WithQuotedFieldsAndExtraTextColumns_ReadAsWritten()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "scores.csv");
        CsvFile.Write(path, ["row", "note", "MiniClip_0", "MiniClip_1"],
            [[0, "plain", 0.25, 0.5], [1, "a \"quoted\", comma", 1.5, -2.0], [2, "line\nbreak", 3.0, 4.0]]);

        var scores = ScoreFiles.Read(path);

        Assert.Equal(["MiniClip"], scores.Judges);
        Assert.Equal([0.25f, 1.5f, 3.0f], scores.Score0[0]);
        Assert.Equal([0.5f, -2.0f, 4.0f], scores.Score1[0]);
    }

    [Fact]
    public void CsvFields_AreQuotedOnlyWhenTheyMustBe_AndNumbersRoundTripInvariantly()
    {
        Assert.Equal("0.1", CsvFile.Field(0.1));
        Assert.Equal("8.1", CsvFile.Field(8.1));
        Assert.Equal("", CsvFile.Field(double.NaN));
        Assert.Equal("\"Iter0, K=4\"", CsvFile.Field("Iter0, K=4"));
        Assert.Equal("\"say \"\"hi\"\"\"", CsvFile.Field("say \"hi\""));
        Assert.Equal("cDPO (ε 0.1)", CsvFile.Field("cDPO (ε 0.1)"));
    }
}
