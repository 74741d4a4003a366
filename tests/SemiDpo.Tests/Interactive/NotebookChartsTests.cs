using Plotly.NET.CSharp;
using SemiDpo.Interactive;

namespace SemiDpo.Tests.Interactive;

public class NotebookChartsTests
{
    [Fact]
    public void FirstChartOfASession_CarriesPlotly_LaterOnesDrawWithIt_NoneLoadsFromTheInternet()
    {
        var session = new NotebookCharts();
        var chart = Chart.Line<int, double, string>(x: [1, 2, 3], y: [0.5, 0.6, 0.7]);

        var first = session.Html(chart);
        var second = session.Html(chart);

        Assert.Contains("plotly.js v2.", first);
        Assert.DoesNotContain("plotly.js v2.", second);
        Assert.True(second.Length < 20_000, $"a later chart output has {second.Length} characters");
        Assert.All(new[] { first, second }, html =>
        {
            Assert.Contains("Plotly.newPlot(", html);
            Assert.DoesNotContain("cdn.plot.ly/plotly-", html);   // the script itself names the CDN only as the default for map topologies
            Assert.DoesNotContain("requirejs", html);
        });
    }
}
