using SemiDpo.Analysis;
using SemiDpo.Reproduction;
using SemiDpo.Rewards;

namespace SemiDpo.Tests.Reproduction;

public class ReproductionTablesTests
{
    static readonly string[] Prompts = ["p1", "p2", "p3", "p4"];

    static ImageSetScores Set(string name, params double[] utility) =>
        new(name, Prompts, [ImageSetScores.UtilityMetric], new Dictionary<string, double[]> { [ImageSetScores.UtilityMetric] = utility });

    /// <summary>
    /// Two seeds. Against Diffusion-DPO (all, 0.4 everywhere) Semi-DPO wins 3 and loses 1 prompt in seed 1, wins 1, ties 1
    /// and loses 2 in seed 2.
    /// </summary>
    static ReproductionResult Result()
    {
        SeedRun Seed(int seed, double[] semi, double[] dpo) => new(seed,
            [Set(MethodNames.Base, 0.1, 0.1, 0.1, 0.1), Set(MethodNames.Iteration(0, 3), 0.2, 0.2, 0.2, 0.2), Set(MethodNames.Iteration(1, 3), 0.3, 0.3, 0.3, 0.3),
             Set(MethodNames.SemiDpo(3), semi), Set(MethodNames.DiffusionDpoAll, dpo)], [], []);
        var split = new ConsensusSplit(["A", "B"], [0, 1], [2], [3, 4, 5], 0, new Dictionary<string, double>());
        return new ReproductionResult(ReproduceConfig.Quick, split, 0.9,
            [Seed(1, [0.5, 0.5, 0.5, 0.1], [0.4, 0.4, 0.4, 0.4]), Seed(2, [0.5, 0.1, 0.1, 0.4], [0.4, 0.4, 0.4, 0.4])], [], TimeSpan.Zero);
    }

    [Fact]
    public void Table2_WinRateIsMeanOverSeeds_WithSdAndSeedsWon()
    {
        var table = new ReproductionTables(Result()).Table2();
        var row = Enumerable.Range(0, (int)table.Rows.Count).Single(r => (string)table["Semi-DPO vs."][r] == MethodNames.DiffusionDpoAll);

        Assert.Equal(0.5, (double)table[ImageSetScores.UtilityMetric][row]!, 9);                     // (0.75 + 0.25) / 2
        Assert.Equal(Math.Sqrt(0.125), (double)table[ImageSetScores.UtilityMetric + " sd"][row]!, 9);
        Assert.Equal(0.375, (double)table[ImageSetScores.UtilityMetric + ": loses"][row]!, 9);                // (0.25 + 0.5) / 2: the tie counts for neither
        Assert.Equal("1 of 2", table[ImageSetScores.UtilityMetric + ": seeds won"][row]);
        Assert.DoesNotContain(MethodNames.SemiDpo(3), table["Semi-DPO vs."].Cast<string>());
    }

    [Fact]
    public void VersusDiffusionDpo_RatesEveryTrainedMethodAgainstDpoOnAllPairs()
    {
        var table = new ReproductionTables(Result()).VersusDiffusionDpo();
        var column = table[$"method vs {MethodNames.DiffusionDpoAll}"].Cast<string>().ToArray();
        var semi = Array.IndexOf(column, MethodNames.SemiDpo(3));
        var iter0 = Array.IndexOf(column, MethodNames.Iteration(0, 3));

        Assert.DoesNotContain(MethodNames.Base, column);
        Assert.DoesNotContain(MethodNames.DiffusionDpoAll, column);
        Assert.Equal(0.5, (double)table[ImageSetScores.UtilityMetric + ": wins"][semi]!, 9);      // as Table 2's row
        Assert.Equal(0.375, (double)table[ImageSetScores.UtilityMetric + ": loses"][semi]!, 9);
        Assert.Equal("1 of 2", table[ImageSetScores.UtilityMetric + ": seeds won"][semi]);
        Assert.Equal(0.0, (double)table[ImageSetScores.UtilityMetric + ": wins"][iter0]!);          // Iter0 0.2 < 0.4 everywhere
        Assert.Equal("0 of 2", table[ImageSetScores.UtilityMetric + ": seeds won"][iter0]);
    }

    [Fact]
    public void NoiseRobustnessTable_HasARowPerRateAndTrainedMethod_RatedAgainstDpoAndSemiDpo()
    {
        var seeds = Result().Seeds;
        var runs = new[] { new FlipRateRun(0.1, 50, 0.65, 0.9, seeds[0]), new FlipRateRun(0.3, 40, 0.5, 0.85, seeds[1]) };

        var table = NoiseRobustness.Table(runs, iterations: 3);

        Assert.Equal(6, table.Rows.Count);   // Iter0, Iter1, Semi-DPO at each rate
        var semiAt30 = Enumerable.Range(0, 6).Single(r => (double)table["flip rate"][r]! == 0.3 && (string)table["method"][r] == MethodNames.SemiDpo(3));
        Assert.Equal(0.25, (double)table[$"wins vs {MethodNames.DiffusionDpoAll}"][semiAt30]!, 9);     // seed 2: wins 1 of 4
        Assert.Equal(0.5, (double)table[$"loses vs {MethodNames.DiffusionDpoAll}"][semiAt30]!, 9);
        Assert.True(double.IsNaN((double)table["Semi-DPO wins vs it"][semiAt30]!));
        var iter0At10 = Enumerable.Range(0, 6).Single(r => (double)table["flip rate"][r]! == 0.1 && (string)table["method"][r] == MethodNames.Iteration(0, 3));
        Assert.Equal(0.75, (double)table["Semi-DPO wins vs it"][iter0At10]!, 9);   // seed 1: Semi-DPO 0.5 > 0.2 on 3 prompts
        Assert.Equal(40, (int)table["clean pairs"][semiAt30]!);
    }

    [Fact]
    public void Sweep_ChoosesTheBestCleanTestAccuracy_TiesToTheSmallerValue()
    {
        SweepRow Row(double value, double accuracy) => new(value, accuracy, 0.4, 0.5, 0.5);
        Assert.Equal(2, BaselineSweep.Chosen([Row(0, 0.70), Row(2, 0.75), Row(8, 0.72)]));
        Assert.Equal(-1, BaselineSweep.Chosen([Row(0, 0.70), Row(-1, 0.75), Row(4, 0.75)]));
    }

    [Fact]
    public void ConfigJson_KeepsTheTuplesOfTheConfig()
    {
        var result = Result();
        result = result with { Config = result.Config with { Study = result.Config.Study with { World = result.Config.Study.World with { TemperatureRange = (0.05, 0.3) } } } };
        using var temp = TestPaths.NewTempFolder();

        ReproductionReport.Write(result, temp.Path);

        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(temp.Path, "config.json")));
        var range = json.RootElement.GetProperty("Study").GetProperty("World").GetProperty("TemperatureRange");
        Assert.Equal(0.05, range.GetProperty("Item1").GetDouble());
        Assert.Equal(0.3, range.GetProperty("Item2").GetDouble());
    }

    [Fact]
    public void Table4_ComparesEachIterationWithThePreviousOne()
    {
        var table = new ReproductionTables(Result()).Table4();

        Assert.Equal([MethodNames.Iteration(0, 3), MethodNames.Iteration(1, 3), MethodNames.SemiDpo(3)], table["iteration"].Cast<string>().ToArray());
        var vsPrevious = table[ImageSetScores.UtilityMetric + " win rate vs previous"];
        Assert.Equal(1.0, (double)vsPrevious[0]!);          // Iter0 0.2 > base 0.1 on every prompt
        Assert.Equal(1.0, (double)vsPrevious[1]!);          // Iter1 0.3 > Iter0 0.2
        Assert.Equal(0.625, (double)vsPrevious[2]!, 9);     // Semi-DPO vs Iter1 (0.3): 3/4 in seed 1, 2/4 in seed 2
    }

    /// <summary><see cref="Result"/> with the clean-only control scoring as Diffusion-DPO (0.4 everywhere).</summary>
    static ReproductionResult WithCleanOnly()
    {
        var result = Result();
        return result with { Seeds = result.Seeds.Select(s => s with { Methods = [.. s.Methods, Set(MethodNames.CleanOnlySameBudget, 0.4, 0.4, 0.4, 0.4)] }).ToList() };
    }

    [Fact]
    public void Headline_ComparesSemiDpoWithTheCleanOnlyControl_PairedDifferenceWinsAndSeeds()
    {
        var headline = new ReproductionTables(WithCleanOnly()).Headline();

        Assert.Contains($"Semi-DPO vs {MethodNames.CleanOnlySameBudget}", headline);
        Assert.Contains("−0.0625", headline);            // seed 1: mean difference 0, seed 2: −0.125
        Assert.Contains("wins 50.0 %", headline);         // 3/4 and 1/4 of the prompts
        Assert.Contains("higher in 0 of 2 seed(s)", headline);
        Assert.Contains("no clean-only control ran", new ReproductionTables(Result()).Headline());
    }

    [Fact]
    public void Claim_HasARowPerComparisonWhoseArmsRan_WithThePairedMeanAndSeedCounts()
    {
        var claim = new ReproductionTables(WithCleanOnly()).Claim();

        Assert.Equal([MethodNames.CleanOnlySameBudget, MethodNames.DiffusionDpoAll], claim["B"].Cast<string>().ToArray());
        Assert.Equal(-0.0625, (double)claim[$"{ImageSetScores.UtilityMetric}: A − B"][0]!, 9);
        Assert.Equal("0 of 2", claim["seeds A higher"][0]);
        var low = (double)claim["95 % CI low"][0]!;
        var high = (double)claim["95 % CI high"][0]!;
        Assert.True(low < -0.0625 && -0.0625 < high, $"{low} … {high}");
    }

    [Fact]
    public void Markdown_RoundsNumbers_AndMarksMissingValues()
    {
        var frame = new Microsoft.Data.Analysis.DataFrame(
            new Microsoft.Data.Analysis.StringDataFrameColumn("method", ["a|b"]),
            new Microsoft.Data.Analysis.DoubleDataFrameColumn("score", [0.123456]),
            new Microsoft.Data.Analysis.DoubleDataFrameColumn("sd", [double.NaN]));

        var markdown = TableFiles.Markdown(frame).Split('\n');

        Assert.Equal("| method | score | sd |", markdown[0]);
        Assert.Equal("|---|---:|---:|", markdown[1]);
        Assert.Equal("| a\\|b | 0.123 | – |", markdown[2]);
    }

    [Fact]
    public void SaveCsv_WritesUtf8WithoutBom_AndInvariantNumbers()
    {
        var frame = new Microsoft.Data.Analysis.DataFrame(
            new Microsoft.Data.Analysis.StringDataFrameColumn("method", ["cDPO (ε=0.1)"]),
            new Microsoft.Data.Analysis.DoubleDataFrameColumn("score", [0.5]));
        var path = Path.Combine(Path.GetTempPath(), $"table-{Guid.NewGuid():N}.csv");
        try
        {
            TableFiles.SaveCsv(frame, path);

            var bytes = File.ReadAllBytes(path);
            Assert.NotEqual(0xEF, bytes[0]);
            Assert.Equal("method,score\ncDPO (ε=0.1),0.5", System.Text.Encoding.UTF8.GetString(bytes).ReplaceLineEndings("\n").TrimEnd());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
