using System.Globalization;
using System.Text;
using Microsoft.Data.Analysis;
using SemiDpo.IO;

namespace SemiDpo.Analysis;

/// <summary>Writes a table as CSV (numbers in full) and as a Markdown table (numbers rounded for reading).</summary>
public static class TableFiles
{
    /// <summary>Writes <c>name.csv</c> and <c>name.md</c> in <paramref name="folder"/>; returns the Markdown.</summary>
    public static string Save(DataFrame frame, string folder, string name, string title)
    {
        Directory.CreateDirectory(folder);
        SaveCsv(frame, Path.Combine(folder, name + ".csv"));
        var markdown = $"### {title}\n\n{Markdown(frame)}";
        AtomicFile.Write(Path.Combine(folder, name + ".md"), stream => stream.Write(Utf8.GetBytes(markdown)));
        return markdown;
    }

    /// <summary>Writes a frame as CSV through <see cref="CsvFile"/> (missing values empty).</summary>
    public static void SaveCsv(DataFrame frame, string path) =>
        CsvFile.Write(path, frame.Columns.Select(c => c.Name).ToList(), frame.Rows.Select(row => row.Select(v => v)));

    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>A GitHub Markdown table; doubles with 3 decimals, missing values as –.</summary>
    public static string Markdown(DataFrame frame)
    {
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", frame.Columns.Select(c => c.Name)).AppendLine(" |");
        text.Append('|').AppendJoin("", frame.Columns.Select(c => c is StringDataFrameColumn ? "---|" : "---:|")).AppendLine();
        for (long row = 0; row < frame.Rows.Count; row++)
            text.Append("| ").AppendJoin(" | ", frame.Columns.Select(c => Cell(c[row]))).AppendLine(" |");
        return text.ToString();
    }

    static string Cell(object? value) => value switch
    {
        null => "–",
        double d when double.IsNaN(d) => "–",
        double d => d.ToString("0.000", CultureInfo.InvariantCulture),
        float f => f.ToString("0.000", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!.Replace("|", "\\|", StringComparison.Ordinal),
    };
}
