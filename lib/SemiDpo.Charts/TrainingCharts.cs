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
            // An iteration of one step is a single point: drawn as a marker, or a line chart would not show it.
            lines.Add(Chart.Line<int, double, string>(x: Enumerable.Range(offset + 1, values.Count).ToArray(), y: smoothed, Name: report.Name,
                ShowMarkers: values.Count == 1));
            offset += values.Count;
        }
        return Chart.Combine(lines)
            .WithXAxisStyle<double, double, string>(TitleText: "optimizer step")
            .WithYAxisStyle<double, double, string>(TitleText: accuracy ? $"implicit accuracy ({window}-step mean)" : $"DPO loss ({window}-step mean)");
    }

    /// <summary>
    /// The Table 7 analogue: implicit-classifier accuracy on the clean test split per anchor t, beside the paper's, with
    /// the 70 % line below which the paper's rule raises τ to the 90th percentile and the 50 % of a coin.
    /// </summary>
    public static GenericChart Table7(IReadOnlyList<IntervalThreshold> thresholds)
    {
        var t = thresholds.Select(r => r.Anchor).ToArray();
        return Chart.Combine(
            [
                Chart.Line<int, double, string>(x: t, y: thresholds.Select(r => r.TestAccuracy).ToArray(), Name: "this run (clean test)", ShowMarkers: true),
                Chart.Line<int, double, string>(x: t, y: thresholds.Select(r => ThresholdTable.PaperTable7[r.Interval] / 100).ToArray(), Name: "paper, SD1.5 (Table 7)", ShowMarkers: true),
                Reference(t, 0.7, "70 %: the rule's switch to the 90th percentile", StyleParam.DrawingStyle.Dash),
                Reference(t, 0.5, "50 %: chance", StyleParam.DrawingStyle.Dot),
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
                Reference(t, 0.5, "50 %: chance", StyleParam.DrawingStyle.Dot),
            ])
            .WithXAxisStyle<double, double, string>(TitleText: "timestep interval (anchor t)")
            .WithYAxisStyle<double, double, string>(TitleText: "precision vs true preference");
    }

    /// <summary>
    /// How firmly the previous model ranks the pairs it scored: a histogram of |z| in each of the given intervals
    /// (anchor t), with that interval's τ as a dashed line of the same colour — the pairs right of it are pseudo-labelled.
    /// </summary>
    public static GenericChart ConfidenceHistogram(IterationReport report, IReadOnlyList<int> intervals, int bins = 30)
    {
        if (report.Confidence is not { } confidence || report.Thresholds is not { } thresholds)
            throw new ArgumentException($"{report.Name} has no confidence scores (Iter0 and the controls pseudo-label nothing).", nameof(report));
        var traces = new List<GenericChart>();
        foreach (var (j, k) in intervals.Select((j, k) => (j, k)))
        {
            var colour = ChartPalette.Of(k);
            var magnitudes = confidence.Unlabeled.Interval(j).Select(Math.Abs).ToArray();
            var width = Math.Max(magnitudes.DefaultIfEmpty(0).Max(), (float)thresholds[j].Tau) / bins;
            var counts = new int[bins + 1];
            foreach (var m in magnitudes) counts[Math.Min(bins, (int)(m / width))]++;
            var label = $"t = {thresholds[j].Anchor}";
            traces.Add(Chart.Line<double, int, string>(x: counts.Select((_, b) => (b + 0.5) * width), y: counts, Name: $"{label}: pairs",
                LineColor: colour, LineDash: StyleParam.DrawingStyle.Solid, ShowMarkers: false));
            traces.Add(Chart.Line<double, int, string>(x: [thresholds[j].Tau, thresholds[j].Tau], y: [0, counts.Max()], Name: $"{label}: τ = {thresholds[j].Tau:G3}",
                LineColor: colour, LineDash: StyleParam.DrawingStyle.Dash));
        }
        return Chart.Combine(traces)
            .WithXAxisStyle<double, double, string>(TitleText: "|z| (the previous model's DPO logit, scored pairs)")
            .WithYAxisStyle<double, double, string>(TitleText: "pairs per bin");
    }

    static GenericChart Reference(int[] t, double level, string name, StyleParam.DrawingStyle dash) =>
        Chart.Line<int, double, string>(x: [t.Min(), t.Max()], y: [level, level], Name: name, LineColor: ChartPalette.Reference, LineDash: dash);

}
