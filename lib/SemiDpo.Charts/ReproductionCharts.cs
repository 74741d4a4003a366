using Plotly.NET;
using Plotly.NET.CSharp;
using SemiDpo.Analysis;
using SemiDpo.Reproduction;
using Chart = Plotly.NET.CSharp.Chart;

namespace SemiDpo.Charts;

/// <summary>Plotly charts of a miniature reproduction (notebook 05, and HTML files from <c>semidpo reproduce</c>).</summary>
public static class ReproductionCharts
{
    /// <summary>Table 1 as grouped bars: each method's mean oracle scores (alignment, aesthetics, detail, true utility), averaged over seeds.</summary>
    public static GenericChart Table1(ReproductionResult result)
    {
        var names = result.MethodNames.ToArray();
        return Chart.Combine(ImageSetScores.OracleMetrics.Select(metric =>
                Chart.Column<double, string, string>(
                    values: names.Select(n => result.Seeds.Average(s => s.Method(n).Mean(metric))).ToArray(),
                    Keys: names, Name: metric)))
            .WithYAxisStyle<double, double, string>(TitleText: "oracle score (mean over prompts and seeds)");
    }

    /// <summary>Table 2 on the true preference: Semi-DPO's share of prompts won and lost against each method, one point per seed.</summary>
    public static GenericChart WinRates(ReproductionResult result)
    {
        var semi = MethodNames.SemiDpo(result.Config.SemiDpo.Iterations);
        var opponents = result.MethodNames.Where(n => n != semi).ToArray();
        GenericChart Bars(string name, Func<SeedRun, string, double> rate) =>
            Chart.Column<double, string, string>(values: opponents.Select(o => result.Seeds.Average(s => rate(s, o))).ToArray(), Keys: opponents, Name: name);
        return Chart.Combine(
            [
                Bars("Semi-DPO better", (s, o) => WinRate.Of(s.Method(semi), s.Method(o), ImageSetScores.UtilityMetric)),
                Bars("Semi-DPO worse", (s, o) => WinRate.Of(s.Method(o), s.Method(semi), ImageSetScores.UtilityMetric)),
            ])
            .WithYAxisStyle<double, double, string>(TitleText: "share of prompts (true preference)");
    }

    /// <summary>Table 7: Iter0's accuracy per timestep on the clean test split (mean over seeds), beside the paper's.</summary>
    public static GenericChart Table7(ReproductionResult result)
    {
        var frame = new ReproductionTables(result).Table7();
        var t = frame["t"].Cast<int?>().Select(v => v!.Value).ToArray();
        return Chart.Combine(
            [
                Chart.Line<int, double, string>(x: t, y: frame["Iter0 accuracy"].Cast<double?>().Select(v => v ?? double.NaN).ToArray(), Name: "miniature (clean test)", ShowMarkers: true),
                Chart.Line<int, double, string>(x: t, y: PaperNumbers.Table7.ToArray(), Name: "paper, SD1.5", ShowMarkers: true),
            ])
            .WithXAxisStyle<double, double, string>(TitleText: "timestep t")
            .WithYAxisStyle<double, double, string>(TitleText: "implicit-classifier accuracy");
    }

    /// <summary>Writes the three charts as HTML files that work offline (<see cref="ChartFiles"/>) and returns their paths.</summary>
    public static IReadOnlyList<string> SaveHtml(ReproductionResult result, string folder)
    {
        var charts = new (string Name, GenericChart Chart)[] { ("table1-means", Table1(result)), ("table2-win-rates", WinRates(result)), ("table7-accuracy", Table7(result)) };
        var paths = new List<string>();
        foreach (var (name, chart) in charts)
        {
            var path = Path.Combine(folder, name + ".html");
            ChartFiles.WriteHtml(chart, path);
            paths.Add(path);
        }
        return paths;
    }
}
