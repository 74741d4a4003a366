using System.Globalization;
using System.Text;

namespace SemiDpo.IO;

/// <summary>
/// The one CSV writer of the toolkit's own files (tables, training logs, z values, skipped rows): RFC 4180 quoting (a
/// field with a comma, quote or line break is quoted), numbers in the invariant culture and in their shortest
/// round-trip form (0.1, not 0.10000000000000001), UTF-8 without BOM, written atomically. The official pipeline's
/// files keep their own writers, which mirror pandas.
/// </summary>
public static class CsvFile
{
    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static void Write(string path, IReadOnlyList<string> header, IEnumerable<IEnumerable<object?>> rows) => AtomicFile.Write(path, stream =>
    {
        using var writer = new StreamWriter(stream, Utf8);
        writer.WriteLine(string.Join(",", header.Select(Field)));
        foreach (var row in rows) writer.WriteLine(string.Join(",", row.Select(Field)));
    });

    /// <summary>One field as written: null and NaN empty, numbers invariant and round-trip, text quoted when it must be.</summary>
    public static string Field(object? value) => value switch
    {
        null => "",
        double d when double.IsNaN(d) => "",
        float f when float.IsNaN(f) => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => Quote(f.ToString(null, CultureInfo.InvariantCulture)),
        _ => Quote(value.ToString() ?? ""),
    };

    static string Quote(string text) => text.IndexOfAny([',', '"', '\n', '\r']) < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";
}
