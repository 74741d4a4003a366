using System.Globalization;
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
    /// Each quadrant is annotated with its share of the pairs and how often the human label is right there.
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
        var (width, height) = (points.Select(p => Math.Abs(p.X)).DefaultIfEmpty(1).Max(), points.Select(p => Math.Abs(p.Y)).DefaultIfEmpty(1).Max());
        var quadrants = new[] { (1, 1), (-1, 1), (-1, -1), (1, -1) }.Select(q =>
        {
            var inside = points.Where(p => Math.Sign(p.X) == q.Item1 && Math.Sign(p.Y) == q.Item2).ToList();
            var kind = q.Item1 == q.Item2 ? "agree" : "trade-off";
            return (X: q.Item1 * 0.6 * width, Y: q.Item2 * 0.85 * height,
                Text: string.Create(CultureInfo.InvariantCulture,
                    $"<b>{kind}</b><br>{inside.Count / (double)Math.Max(1, points.Count):P0} of pairs<br>human = truth: {(inside.Count == 0 ? double.NaN : inside.Count(p => p.Agrees) / (double)inside.Count):P0}"));
        }).ToList();
        var labels = Chart.Scatter<double, double, string>(x: quadrants.Select(q => q.X), y: quadrants.Select(q => q.Y), mode: StyleParam.Mode.Text,
            MultiText: quadrants.Select(q => q.Text).ToArray(), Name: "quadrant shares", ShowLegend: false);
        return Chart.Combine([Series(true, "human label = truth"), Series(false, "human label ≠ truth"), labels])
            .WithXAxisStyle<double, double, string>(TitleText: $"Δ {x.ToString().ToLowerInvariant()} (image 0 − image 1)")
            .WithYAxisStyle<double, double, string>(TitleText: $"Δ {y.ToString().ToLowerInvariant()} (image 0 − image 1)");
    }
}
