using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Plotly.NET;
using XmlNode = Giraffe.ViewEngine.HtmlElements.XmlNode;

namespace SemiDpo.Charts;

/// <summary>
/// Charts as HTML files that work offline: plotly.js (the copy Plotly.NET ships) is written once beside them and each
/// page loads it by relative path, instead of from a CDN.
/// </summary>
public static class ChartFiles
{
    /// <summary>The script Plotly.NET embeds (its version is the one the charts were built for).</summary>
    public static string PlotlyScript { get; } = typeof(GenericChart).Assembly.GetManifestResourceNames()
        .Single(n => n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) && n.EndsWith(".min.js", StringComparison.Ordinal))["Plotly.NET.".Length..];

    /// <summary>plotly.js as Plotly.NET ships it.</summary>
    public static string PlotlySource()
    {
        using var resource = typeof(GenericChart).Assembly.GetManifestResourceStream("Plotly.NET." + PlotlyScript)!;
        using var reader = new StreamReader(resource);
        return reader.ReadToEnd();
    }

    /// <summary>The chart's div and the script that draws it with <c>Plotly.newPlot</c>, loading nothing (plotly.js must already be on the page).</summary>
    public static string ChartHtml(GenericChart chart) =>
        GenericChart.toChartHTML(GenericChart.addDisplayOptions(Options(PlotlyJSReference.NoReference), chart));

    /// <summary>Writes <paramref name="chart"/> to <paramref name="path"/> and <see cref="PlotlyScript"/> beside it (once per folder; both atomically).</summary>
    public static void WriteHtml(GenericChart chart, string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var script = Path.Combine(folder, PlotlyScript);
        if (!File.Exists(script))
            IO.AtomicFile.Write(script, s =>
            {
                using var writer = new StreamWriter(s);
                writer.Write(PlotlySource());
            });
        var html = GenericChart.toEmbeddedHTML(GenericChart.addDisplayOptions(Options(PlotlyJSReference.NewCDN(PlotlyScript)), chart));
        IO.AtomicFile.Write(path, s =>
        {
            using var writer = new StreamWriter(s);
            writer.Write(html);
        });
    }

    static DisplayOptions Options(PlotlyJSReference reference) =>
        DisplayOptions.init(FSharpOption<string>.None, FSharpOption<string>.None, FSharpOption<string>.None, FSharpOption<XmlNode>.None,
            FSharpOption<FSharpList<XmlNode>>.None, FSharpOption<FSharpList<XmlNode>>.None, FSharpOption<PlotlyJSReference>.Some(reference));
}
