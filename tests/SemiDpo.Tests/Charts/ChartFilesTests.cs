using System.Text.RegularExpressions;
using Plotly.NET.CSharp;
using SemiDpo.Charts;

namespace SemiDpo.Tests.Charts;

public class ChartFilesTests
{
    [Fact]
    public void HtmlChart_LoadsPlotlyFromTheFileBesideIt_NotFromTheInternet()
    {
        using var temp = TestPaths.NewTempFolder();
        var chart = Chart.Line<int, double, string>(x: [1, 2, 3], y: [0.5, 0.6, 0.7]);

        ChartFiles.WriteHtml(chart, Path.Combine(temp.Path, "a.html"));
        ChartFiles.WriteHtml(chart, Path.Combine(temp.Path, "b.html"));

        var html = File.ReadAllText(Path.Combine(temp.Path, "a.html"));
        var sources = Regex.Matches(html, "<script[^>]*src=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal([ChartFiles.PlotlyScript], sources);
        Assert.DoesNotContain("https://", html);
        var script = new FileInfo(Path.Combine(temp.Path, ChartFiles.PlotlyScript));
        Assert.True(script.Length > 1_000_000, $"{script.Name} has {script.Length} bytes");
        Assert.StartsWith("/**", File.ReadAllText(script.FullName)[..10].TrimStart());
        Assert.Equal(3, Directory.GetFiles(temp.Path).Length);
    }
}

public class ChartsProjectTests
{
    [Fact]
    public void TheCommandLine_UsesTheCharts_WithoutTheNotebookExtension()
    {
        var references = typeof(SemiDpo.Cli.Common.ExitCodes).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.Contains("SemiDpo.Charts", references);
        Assert.DoesNotContain("SemiDpo.Interactive", references);
        Assert.DoesNotContain(typeof(SemiDpo.Charts.ChartFiles).Assembly.GetReferencedAssemblies(), a => a.Name!.StartsWith("Microsoft.DotNet.Interactive", StringComparison.Ordinal));
    }
}
