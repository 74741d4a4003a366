using Microsoft.Data.Analysis;
using SemiDpo.Imaging;
using SemiDpo.Interactive;

namespace SemiDpo.Tests.Interactive;

public class HtmlFormattersTests
{
    [Fact]
    public void ImageGrid_HasOneImageAndOneEncodedCaptionPerImage()
    {
        var grid = new ImageGrid([RgbImage.Filled(4, 4, 1, 2, 3), RgbImage.Filled(4, 4, 4, 5, 6)], ["a <red> circle", "b"]);

        var html = HtmlFormatters.ImageGrid(grid);

        Assert.Equal(2, html.Split("<img src=\"data:image/png;base64,").Length - 1);
        Assert.Contains("a &lt;red&gt; circle", html);
    }

    [Fact]
    public void DataFrame_ShowsHeadersAndTruncatesLongFrames()
    {
        var frame = new DataFrame(new Int32DataFrameColumn("step", Enumerable.Range(0, 25)), new DoubleDataFrameColumn("loss", Enumerable.Range(0, 25).Select(i => 1.0 / (i + 1))));

        var html = HtmlFormatters.DataFrame(frame);

        Assert.Contains("<th>step</th><th>loss</th>", html);
        Assert.Equal(HtmlFormatters.DataFrameRows, html.Split("<tr>").Length - 2);
        Assert.Contains("5 more rows (25 in all)", html);
    }
}
