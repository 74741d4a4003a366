using Plotly.NET;
using SemiDpo.Charts;

namespace SemiDpo.Interactive;

/// <summary>
/// Plotly charts in notebooks without the internet: the first chart of a kernel session carries plotly.js itself (the
/// copy Plotly.NET ships), later ones draw with it — as plotly.py's offline notebook mode does. A notebook saved with its
/// outputs therefore shows its charts when reopened offline, as long as the first chart's output is kept.
/// </summary>
public sealed class NotebookCharts
{
    int scriptSent;

    /// <summary>The HTML of one chart output: plotly.js first if this session (this instance) has shown no chart yet.</summary>
    public string Html(GenericChart chart)
    {
        var first = Interlocked.Exchange(ref scriptSent, 1) == 0;
        return first ? ScriptTag() + ChartFiles.ChartHtml(chart) : ChartFiles.ChartHtml(chart);
    }

    /// <summary>
    /// plotly.js in a script tag that defines <c>window.Plotly</c> even where require.js is on the page (Jupyter): the
    /// bundle's UMD header sees no <c>define</c>, <c>module</c> or <c>exports</c> and assigns the global.
    /// </summary>
    static string ScriptTag() =>
        "<script type=\"text/javascript\">(function (define, module, exports) {\n" + ChartFiles.PlotlySource() + "\n}).call(window);</script>";
}
