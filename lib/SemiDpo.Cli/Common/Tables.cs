using System.Globalization;
using Microsoft.Data.Analysis;
using Spectre.Console;

namespace SemiDpo.Cli.Common;

/// <summary>DataFrames printed as console tables.</summary>
internal static class Tables
{
    /// <summary>Prints the frame; with <paramref name="fractionsAsPercent"/>, doubles in 0…1 show as percentages.</summary>
    public static void Print(DataFrame frame, string title, bool fractionsAsPercent = true, params string[] plainColumns)
    {
        var table = new Table { Title = new TableTitle(Markup.Escape(title)) };
        foreach (var column in frame.Columns) table.AddColumn(Markup.Escape(column.Name));
        for (long r = 0; r < frame.Rows.Count; r++)
            table.AddRow(frame.Columns.Select(c => Markup.Escape(Format(c[r], fractionsAsPercent && !plainColumns.Contains(c.Name)))).ToArray());
        AnsiConsole.Write(table);
    }

    static string Format(object? value, bool fractionsAsPercent) => value switch
    {
        double d when fractionsAsPercent && d is >= 0 and <= 1 => d.ToString("P1", CultureInfo.InvariantCulture),
        double d => d.ToString("F3", CultureInfo.InvariantCulture),
        null => "",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
