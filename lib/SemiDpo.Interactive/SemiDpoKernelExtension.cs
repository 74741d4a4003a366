using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using SemiDpo.Imaging;
using SemiDpo.Torch;
using TorchSharp;

namespace SemiDpo.Interactive;

/// <summary>
/// Loaded by dotnet-interactive after <c>#r "nuget: SemiDpo.Interactive"</c>: installs the FSharp.Core resolver,
/// prepares libtorch (<see cref="TorchRuntime"/>) and registers the HTML formatters (Plotly charts offline: <see cref="NotebookCharts"/>).
/// </summary>
public sealed class SemiDpoKernelExtension : IKernelExtension
{
    public Task OnLoadAsync(Kernel kernel)
    {
        Load();
        return Task.CompletedTask;
    }

    /// <summary>Does what the extension does; also callable by hand (e.g. from a test or a notebook referencing the dll).</summary>
    public static TorchRuntimeReport Load()
    {
        FSharpCoreResolver.Install();
        var report = TorchRuntime.Init();
        Formatter.Register<ImageGrid>(grid => HtmlFormatters.ImageGrid(grid), HtmlFormatter.MimeType);
        Formatter.Register<torch.Tensor>(tensor => HtmlFormatters.Tensor(tensor), HtmlFormatter.MimeType);
        Formatter.Register<DataFrame>(frame => HtmlFormatters.DataFrame(frame), HtmlFormatter.MimeType);
        Formatter.Register<Table>(table => table.Html(), HtmlFormatter.MimeType);
        Formatter.Register<ProgressLine>(line => line.Html(), HtmlFormatter.MimeType);
        var charts = new NotebookCharts();
        Formatter.Register<Plotly.NET.GenericChart>(chart => charts.Html(chart), HtmlFormatter.MimeType);
        return report;
    }
}
