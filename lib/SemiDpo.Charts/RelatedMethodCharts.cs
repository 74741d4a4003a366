using Plotly.NET;
using Plotly.NET.CSharp;
using SemiDpo.Analysis;
using SemiDpo.Reproduction;
using Chart = Plotly.NET.CSharp.Chart;

namespace SemiDpo.Charts;

/// <summary>Plotly charts of the related noise-robust methods (notebook 04b).</summary>
public static class RelatedMethodCharts
{
    /// <summary>
    /// One line per trained method: the share of prompts it wins against Diffusion-DPO (all) on the true preference,
    /// across label-flip rates (<paramref name="versusSemiDpo"/>: Semi-DPO's share won against each method instead).
    /// </summary>
    public static GenericChart AcrossFlipRates(IReadOnlyList<FlipRateRun> runs, int iterations, bool versusSemiDpo = false)
    {
        var semi = MethodNames.SemiDpo(iterations);
        var rates = runs.Select(r => r.FlipRate * 100).ToArray();
        var methods = runs[0].Run.Methods.Select(m => m.Name)
            .Where(n => n != MethodNames.Base && n != MethodNames.DiffusionDpoAll && !(versusSemiDpo && n == semi)).ToList();
        double Rate(FlipRateRun r, string method) => versusSemiDpo
            ? WinRate.Of(r.Run.Method(semi), r.Run.Method(method), ImageSetScores.UtilityMetric)
            : WinRate.Of(r.Run.Method(method), r.Run.Method(MethodNames.DiffusionDpoAll), ImageSetScores.UtilityMetric);
        return Chart.Combine(methods.Select(m =>
                Chart.Line<double, double, string>(x: rates, y: runs.Select(r => Rate(r, m)).ToArray(), Name: m, ShowMarkers: true)))
            .WithXAxisStyle<double, double, string>(TitleText: "human labels flipped (%)")
            .WithYAxisStyle<double, double, string>(TitleText: versusSemiDpo
                ? "Semi-DPO's share of prompts won against the method"
                : $"share of prompts won against {MethodNames.DiffusionDpoAll}");
    }

    /// <summary>A Poly-DPO α or cDPO ε sweep: clean-test accuracy (what a user selects on) and the true win rate against the value 0.</summary>
    public static GenericChart Sweep(IReadOnlyList<SweepRow> rows, SweptParameter parameter)
    {
        var x = rows.Select(r => r.Value).ToArray();
        var symbol = BaselineSweep.Symbol(parameter);
        return Chart.Combine(
            [
                Chart.Line<double, double, string>(x: x, y: rows.Select(r => r.CleanTestAccuracy).ToArray(), Name: "clean-test accuracy", ShowMarkers: true),
                Chart.Line<double, double, string>(x: x, y: rows.Select(r => r.WinsVsDpo).ToArray(), Name: $"wins vs {symbol} = 0 (truth)", ShowMarkers: true),
                Chart.Line<double, double, string>(x: x, y: rows.Select(r => r.LosesVsDpo).ToArray(), Name: $"loses vs {symbol} = 0 (truth)", ShowMarkers: true),
            ])
            .WithXAxisStyle<double, double, string>(TitleText: $"{(parameter == SweptParameter.PolyAlpha ? "Poly-DPO" : "cDPO")} {symbol}")
            .WithYAxisStyle<double, double, string>(TitleText: "share");
    }
}
