using Plotly.NET;

namespace SemiDpo.Charts;

/// <summary>One colour per series (Plotly's default sequence), so a subset or interval keeps its colour across the traces of a chart.</summary>
static class ChartPalette
{
    static readonly string[] Colours = ["#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880"];

    public static Color Of(int series) => Color.fromString(Colours[series % Colours.Length]);

    /// <summary>Reference lines (chance, a rule's switch point).</summary>
    public static Color Reference { get; } = Color.fromString("#888888");
}
