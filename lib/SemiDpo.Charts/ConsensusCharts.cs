using Microsoft.Data.Analysis;
using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.CSharp;
using SemiDpo.World.Judges;
using Chart = Plotly.NET.CSharp.Chart;

namespace SemiDpo.Charts;

/// <summary>Plotly charts of Stage 1 (judges and consensus filtering).</summary>
public static class ConsensusCharts
{
    /// <summary>
    /// The judge × dimension agreement matrix (<see cref="JudgeSpecialisation"/>) as a heatmap with each share written in
    /// its cell; the colour scale runs from 0 (always disagrees) through 0.5 (a coin) to 1 (always agrees) whatever the
    /// values, so a difference of a few points between judges does not look like one from one end of the scale to the other.
    /// </summary>
    public static GenericChart Specialisation(DataFrame matrix)
    {
        var judges = matrix.Columns[0].Cast<string>().ToArray();
        var dimensions = matrix.Columns.Skip(1).Select(c => c.Name).ToArray();
        var z = judges.Select((_, r) => matrix.Columns.Skip(1).Select(c => Convert.ToDouble(c[r])).ToArray()).ToArray();
        var chart = Chart.Heatmap<double, string, string, string>(zData: z, X: dimensions, Y: judges, Name: "agreement");
        var text = z.Select(row => row.Select(v => v.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        return GenericChart.mapTrace(FuncConvert.FromFunc<Trace, Trace>(trace =>
            {
                trace.SetProperty("zmin", 0.0);
                trace.SetProperty("zmax", 1.0);
                trace.SetProperty("text", text);
                trace.SetProperty("texttemplate", "%{text}");
                return trace;
            }), chart)
            .WithXAxisStyle<double, double, string>(TitleText: "dimension of the truth")
            .WithYAxisStyle<double, double, string>(TitleText: "judge");
    }

    /// <summary>K-ablation: clean-subset size against its label accuracy; the paper's nested order as a line, every subset as points.</summary>
    public static GenericChart Ablation(IReadOnlyList<AblationRow> rows)
    {
        var paper = rows.Where(r => r.PaperOrder).OrderBy(r => r.K).ToList();
        var others = rows.Where(r => !r.PaperOrder).ToList();
        return Chart.Combine(
            [
                Chart.Point<int, double, string>(x: others.Select(r => r.Clean).ToArray(), y: others.Select(r => r.LabelAccuracy).ToArray(),
                    Name: "every judge subset", MultiText: others.Select(r => r.Judges).ToArray()),
                Chart.Line<int, double, string>(x: paper.Select(r => r.Clean).ToArray(), y: paper.Select(r => r.LabelAccuracy).ToArray(),
                    Name: "paper order K = 2…5", ShowMarkers: true, MultiText: paper.Select(r => $"K={r.K}").ToArray()),
            ])
            .WithXAxisStyle<double, double, string>(TitleText: "clean pairs")
            .WithYAxisStyle<double, double, string>(TitleText: "label accuracy vs true preference");
    }
}
