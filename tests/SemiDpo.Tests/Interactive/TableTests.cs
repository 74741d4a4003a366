using SemiDpo.Interactive;

namespace SemiDpo.Tests.Interactive;

public class TableTests
{
    [Fact]
    public void Rows_BecomeColumnsNamedAfterTheirProperties_WithNumbersToFourSignificantDigits()
    {
        var table = Table.Of(new[] { new { Name = "Iter0", TrueUtility = 0.36864966495283735, Pairs = 4000 } });

        Assert.Equal(["Name", "TrueUtility", "Pairs"], table.Columns);
        Assert.Equal(["Iter0", "0.3686", "4,000"], table.Rows.Single());
        Assert.Contains("<th>TrueUtility</th>", table.Html());
        Assert.DoesNotContain("AnonymousType", table.Html());
        Assert.Equal("| Name | TrueUtility | Pairs |\n| --- | --- | --- |\n| Iter0 | 0.3686 | 4,000 |", table.ToString());
    }

    [Fact]
    public void OneObject_IsAOneRowTable()
    {
        var table = Table.Of((object)new { CleanTrain = 652, BaseUtility = 0.5 });

        Assert.Equal(["652", "0.5"], table.Rows.Single());
    }

    [Theory]
    [InlineData(123456.7, "123,457")]
    [InlineData(0.000123456, "1.235E-4")]
    [InlineData(-0.0057, "-0.0057")]
    [InlineData(double.NaN, "–")]
    [InlineData(12.3456, "12.35")]
    public void Numbers_AreReadable(double value, string expected) => Assert.Equal(expected, Table.Cell(value));

    [Fact]
    public void Sequences_AreJoinedAndTextIsEncoded()
    {
        var table = Table.Of(new[] { new { Percentiles = new[] { 80, 90 }, Note = "a <b>" } });

        Assert.Equal("80, 90", table.Rows[0][0]);
        Assert.Equal("clean-train: 57, noisy: 148", Table.Cell(new Dictionary<string, int> { ["clean-train"] = 57, ["noisy"] = 148 }));
        Assert.Contains("a &lt;b&gt;", table.Html());
    }

    [Fact]
    public void ProgressLine_CarriesTheClassTheRendererDrops()
    {
        var line = new ProgressLine("Iter1: 8/8", TimeSpan.FromSeconds(12.4));

        Assert.Equal("Iter1: 8/8 · 12 s", line.ToString());
        Assert.Contains($"class=\"{NotebookProgress.CssClass}\"", line.Html());
    }
}
