using Plotly.NET;
using Plotly.NET.CSharp;
using SemiDpo.Data;
using Chart = Plotly.NET.CSharp.Chart;

namespace SemiDpo.Charts;

/// <summary>Plotly charts of a miniature world.</summary>
public static class WorldCharts
{
    /// <summary>
    /// Per pair, how much image 0 beats image 1 on <paramref name="x"/> against <paramref name="y"/>, coloured by whether
    /// the human label agrees with the true preference: pairs in the off-diagonal quadrants trade one dimension for another.
    /// </summary>
    public static GenericChart TradeOffs(IEnumerable<PreferencePair> pairs, Dimension x = Dimension.Alignment, Dimension y = Dimension.Aesthetics)
    {
        var points = pairs.Where(p => p.Truth is not null && !p.IsTie && p.Truth.TruePreference != 0)
            .Select(p => (X: p.Truth!.Image0[x] - p.Truth.Image1[x], Y: p.Truth.Image0[y] - p.Truth.Image1[y], Agrees: p.HumanPreference == p.Truth.TruePreference))
            .ToList();
        GenericChart Series(bool agrees, string name) => Chart.Point<double, double, string>(
            x: points.Where(p => p.Agrees == agrees).Select(p => p.X).ToArray(),
            y: points.Where(p => p.Agrees == agrees).Select(p => p.Y).ToArray(),
            Name: name);
        return Chart.Combine([Series(true, "human label = truth"), Series(false, "human label ≠ truth")])
            .WithXAxisStyle<double, double, string>(TitleText: $"Δ {x.ToString().ToLowerInvariant()} (image 0 − image 1)")
            .WithYAxisStyle<double, double, string>(TitleText: $"Δ {y.ToString().ToLowerInvariant()} (image 0 − image 1)");
    }
}
