using Plotly.NET;
using Plotly.NET.CSharp;
using SemiDpo.Analysis;
using Chart = Plotly.NET.CSharp.Chart;

namespace SemiDpo.Charts;

/// <summary>Plotly charts of the variance-bound analysis.</summary>
public static class VarianceCharts
{
    /// <summary>Measured Var[ξ_t] (solid) and the bound p_a·p_c·(m_a + m_c)² (dashed markers) per timestep, one colour per subset, for one dimension.</summary>
    public static GenericChart BoundVsMeasured(IReadOnlyList<VarianceRow> rows, string dimension)
    {
        var lines = new List<GenericChart>();
        foreach (var subset in rows.Where(r => r.Dimension == dimension).GroupBy(r => r.Subset))
        {
            var ordered = subset.OrderBy(r => r.Timestep).ToList();
            var t = ordered.Select(r => r.Timestep).ToArray();
            lines.Add(Chart.Line<int, double, string>(x: t, y: ordered.Select(r => r.Result.Measured).ToArray(), Name: $"{subset.Key}: measured", ShowMarkers: true));
            lines.Add(Chart.Point<int, double, string>(x: t, y: ordered.Select(r => r.Result.Bound).ToArray(), Name: $"{subset.Key}: bound"));
        }
        return Chart.Combine(lines)
            .WithXAxisStyle<double, double, string>(TitleText: "timestep t")
            .WithYAxisStyle<double, double, string>(TitleText: $"Var[ξ_t] along {dimension}");
    }

    /// <summary>Conflict mass p_c per dimension and subset (mean over timesteps).</summary>
    public static GenericChart ConflictMass(IReadOnlyList<VarianceRow> rows)
    {
        var bars = rows.GroupBy(r => r.Subset).Select(subset =>
        {
            var byDimension = subset.GroupBy(r => r.Dimension).ToList();
            return Chart.Column<double, string, string>(values: byDimension.Select(g => g.Average(r => r.Result.PConflict)).ToArray(),
                Keys: byDimension.Select(g => g.Key).ToArray(), Name: subset.Key);
        }).ToList();
        return Chart.Combine(bars).WithYAxisStyle<double, double, string>(TitleText: "p_c (share of pairs whose label conflicts with the dimension)");
    }
}
