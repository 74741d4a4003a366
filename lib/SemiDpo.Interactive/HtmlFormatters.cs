using System.Net;
using System.Text;
using Microsoft.Data.Analysis;
using SemiDpo.Imaging;
using TorchSharp;

namespace SemiDpo.Interactive;

/// <summary>HTML for the toolkit's types in notebooks: image grids, image tensors and DataFrames.</summary>
public static class HtmlFormatters
{
    /// <summary>Rows of a DataFrame shown before "… N more rows".</summary>
    public const int DataFrameRows = 20;

    public static string ImageGrid(ImageGrid grid, int scale = 3)
    {
        var html = new StringBuilder("<div style=\"display:grid;grid-template-columns:repeat(")
            .Append(Math.Min(grid.Columns, Math.Max(1, grid.Images.Count))).Append(",max-content);gap:6px\">");
        for (var i = 0; i < grid.Images.Count; i++)
        {
            var image = grid.Images[i];
            var src = Convert.ToBase64String(PngEncoder.Encode(image));
            html.Append("<figure style=\"margin:0;text-align:center\">")
                .Append($"<img src=\"data:image/png;base64,{src}\" width=\"{image.Width * scale}\" height=\"{image.Height * scale}\" style=\"image-rendering:pixelated\"/>");
            if (grid.Captions is { } captions)
                html.Append($"<figcaption style=\"font-size:11px;max-width:{image.Width * scale}px\">{WebUtility.HtmlEncode(captions[i])}</figcaption>");
            html.Append("</figure>");
        }
        return html.Append("</div>").ToString();
    }

    /// <summary>Image-shaped tensors as a grid; any other tensor as its shape, dtype and values.</summary>
    public static string Tensor(torch.Tensor tensor) =>
        Imaging.ImageGrid.IsImageTensor(tensor)
            ? ImageGrid(Imaging.ImageGrid.FromTensor(tensor))
            : $"<pre>{WebUtility.HtmlEncode(tensor.ToString(TensorStringStyle.Julia))}</pre>";

    public static string DataFrame(DataFrame frame)
    {
        var html = new StringBuilder("<table><thead><tr>");
        foreach (var column in frame.Columns)
            html.Append("<th>").Append(WebUtility.HtmlEncode(column.Name)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        var shown = Math.Min(frame.Rows.Count, DataFrameRows);
        for (long r = 0; r < shown; r++)
        {
            html.Append("<tr>");
            foreach (var column in frame.Columns)
                html.Append("<td>").Append(WebUtility.HtmlEncode(FormatCell(column[r]))).Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
        if (frame.Rows.Count > shown)
            html.Append($"<p><i>… {frame.Rows.Count - shown} more rows ({frame.Rows.Count} in all)</i></p>");
        return html.ToString();
    }

    static string FormatCell(object? value) => value switch
    {
        null => "",
        float f => f.ToString("G4", System.Globalization.CultureInfo.InvariantCulture),
        double d => d.ToString("G4", System.Globalization.CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
