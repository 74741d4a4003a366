using System.Text.Json;

namespace SemiDpo.Tests.Notebooks;

/// <summary>The cells of an .ipynb file, read the one way every notebook test reads them.</summary>
internal static class NotebookCells
{
    /// <summary>The sources of the cells of <paramref name="cellType"/> ("code", "markdown"), each with its 1-based place among all cells.</summary>
    public static List<(int Index, string Source)> Of(string path, string cellType)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("cells").EnumerateArray()
            .Select((cell, i) => (Cell: cell, Index: i + 1))
            .Where(c => c.Cell.GetProperty("cell_type").GetString() == cellType)
            .Select(c => (c.Index, Text(c.Cell.GetProperty("source"))))
            .ToList();
    }

    /// <summary>A multiline string of nbformat: a list of lines, or one string.</summary>
    public static string Text(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array ? string.Concat(value.EnumerateArray().Select(l => l.GetString())) : value.GetString() ?? "";
}
