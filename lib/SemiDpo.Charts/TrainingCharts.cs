using Plotly.NET;
using Plotly.NET.CSharp;
using SemiDpo.Method;
using Chart = Plotly.NET.CSharp.Chart;

namespace SemiDpo.Charts;

/// <summary>Plotly charts of Stage 2 (the iterative DPO training).</summary>
public static class TrainingCharts
{
    /// <summary>Loss (or implicit accuracy) per optimizer step, one line per iteration, smoothed over <paramref name="window"/> steps.</summary>
    public static GenericChart Curves(IReadOnlyList<IterationReport> reports, bool accuracy = false, int window = 10)
    {
        var offset = 0;
        var lines = new List<GenericChart>();
        foreach (var report in reports)
        {
            var values = accuracy ? report.Log.Accuracy : report.Log.Loss;
            var smoothed = values.Select((_, i) => values.Skip(Math.Max(0, i - window + 1)).Take(Math.Min(window, i + 1)).Average()).ToArray();
            lines.Add(Chart.Line<int, double, string>(x: Enumerable.Range(offset + 1, values.Count).ToArray(), y: smoothed, Name: report.Name));
            offset += values.Count;
        }
        return Chart.Combine(lines)
            .WithXAxisStyle<double, double, string>(TitleText: "optimizer step")
            .WithYAxisStyle<double, double, string>(TitleText: accuracy ? $"implicit accuracy ({window}-step mean)" : $"DPO loss ({window}-step mean)");
    }

    /// <summary>The Table 7 analogue: implicit-classifier accuracy on the clean test split per anchor t, beside the paper's.</summary>
    public static GenericChart Table7(IReadOnlyList<IntervalThreshold> thresholds)
    {
        var t = thresholds.Select(r => r.Anchor).ToArray();
        return Chart.Combine(
            [
                Chart.Line<int, double, string>(x: t, y: thresholds.Select(r => r.TestAccuracy).ToArray(), Name: "this run (clean test)", ShowMarkers: true),
                Chart.Line<int, double, string>(x: t, y: thresholds.Select(r => ThresholdTable.PaperTable7[r.Interval] / 100).ToArray(), Name: "paper, SD1.5 (Table 7)", ShowMarkers: true),
            ])
            .WithXAxisStyle<double, double, string>(TitleText: "timestep t")
            .WithYAxisStyle<double, double, string>(TitleText: "implicit-classifier accuracy");
    }

    /// <summary>Per interval: precision of the pseudo-labels against the TRUE preference, and of the human labels of the same accepted pairs.</summary>
    public static GenericChart Precision(IReadOnlyList<IntervalThreshold> thresholds)
    {
        var t = thresholds.Select(r => r.Anchor).ToArray();
        return Chart.Combine(
            [
                Chart.Line<int, double, string>(x: t, y: thresholds.Select(r => r.PseudoLabelPrecision ?? double.NaN).ToArray(), Name: "pseudo-labels", ShowMarkers: true),
                Chart.Line<int, double, string>(x: t, y: thresholds.Select(r => r.HumanPrecision ?? double.NaN).ToArray(), Name: "human labels (same pairs)", ShowMarkers: true),
            ])
            .WithXAxisStyle<double, double, string>(TitleText: "timestep interval (anchor t)")
            .WithYAxisStyle<double, double, string>(TitleText: "precision vs true preference");
    }
}
