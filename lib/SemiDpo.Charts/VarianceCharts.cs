using Plotly.NET;
using Plotly.NET.CSharp;
using SemiDpo.Analysis;
using Chart = Plotly.NET.CSharp.Chart;

namespace SemiDpo.Charts;

/// <summary>Plotly charts of the variance-bound analysis.</summary>
public static class VarianceCharts
{
    /// <summary>
    /// Measured Var[ξ_t] (line) and the bound p_a·p_c·(m_a + m_c)² (diamonds) per timestep for one dimension, in one
    /// colour per subset, on a log scale (the variance spans several decades from t = 50 to t = 850). A bound of 0 (no
    /// conflicting pair) has no point on a log scale.
    /// </summary>
    public static GenericChart BoundVsMeasured(IReadOnlyList<VarianceRow> rows, string dimension)
    {
        var lines = new List<GenericChart>();
        var subsets = rows.Where(r => r.Dimension == dimension).GroupBy(r => r.Subset).ToList();
        for (var s = 0; s < subsets.Count; s++)
        {
            var ordered = subsets[s].OrderBy(r => r.Timestep).ToList();
            var colour = ChartPalette.Of(s);
            var bound = ordered.Where(r => r.Result.Bound > 0).ToList();
            lines.Add(Chart.Line<int, double, string>(x: ordered.Select(r => r.Timestep), y: ordered.Select(r => r.Result.Measured),
                Name: $"{subsets[s].Key}: measured", ShowMarkers: true, MarkerColor: colour, LineColor: colour));
            lines.Add(Chart.Point<int, double, string>(x: bound.Select(r => r.Timestep), y: bound.Select(r => r.Result.Bound),
                Name: $"{subsets[s].Key}: bound", MarkerColor: colour, MarkerSymbol: StyleParam.MarkerSymbol.Diamond));
        }
        return Chart.Combine(lines)
            .WithXAxisStyle<double, double, string>(TitleText: "timestep t")
            .WithYAxisStyle<double, double, string>(TitleText: $"Var[ξ_t] along {dimension} (log scale)", AxisType: StyleParam.AxisType.Log);
    }


    /// <summary>Conflict mass p_c per dimension and subset (mean over timesteps), subsets in the colours of <see cref="BoundVsMeasured"/>.</summary>
    public static GenericChart ConflictMass(IReadOnlyList<VarianceRow> rows)
    {
        var bars = rows.GroupBy(r => r.Subset).Select((subset, s) =>
        {
            var byDimension = subset.GroupBy(r => r.Dimension).ToList();
            return Chart.Column<double, string, string>(values: byDimension.Select(g => g.Average(r => r.Result.PConflict)).ToArray(),
                Keys: byDimension.Select(g => g.Key).ToArray(), Name: subset.Key, MarkerColor: ChartPalette.Of(s));
        }).ToList();
        return Chart.Combine(bars)
            .WithXAxisStyle<double, double, string>(TitleText: "dimension")
            .WithYAxisStyle<double, double, string>(TitleText: "p_c (share of pairs whose label conflicts with the dimension)");
    }
}
