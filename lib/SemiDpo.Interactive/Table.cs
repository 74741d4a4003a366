using System.Collections;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;

namespace SemiDpo.Interactive;

/// <summary>
/// Rows shown as a results table: the properties' (or a tuple's fields') names as column headers, numbers to four
/// significant digits, one row per object — instead of .NET Interactive's default of tree views, 17-digit floats and
/// type names. <c>Table.Of(rows)</c> ends a notebook cell; its HTML comes from the formatter
/// <see cref="SemiDpoKernelExtension"/> registers, its text (<see cref="ToString"/>) is a Markdown table.
/// </summary>
public sealed record Table(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    /// <summary>One row per element, the columns of <typeparamref name="T"/> (of the first element's type when <typeparamref name="T"/> is <see cref="object"/>).</summary>
    public static Table Of<T>(IEnumerable<T> rows)
    {
        var list = rows.Cast<object?>().ToList();
        var type = typeof(T) != typeof(object) ? typeof(T) : list.FirstOrDefault(r => r is not null)?.GetType() ?? typeof(object);
        var members = Members(type);
        if (members.Count == 0)
            return new Table(["value"], list.Select(r => (IReadOnlyList<string>)[Cell(r)]).ToList());
        return new Table(members.Select(m => m.Name).ToList(),
            list.Select(r => (IReadOnlyList<string>)members.Select(m => Cell(r is null ? null : m.Read(r))).ToList()).ToList());
    }

    /// <summary>One object as a one-row table (a sequence as one row per element).</summary>
    public static Table Of(object row) =>
        row is IEnumerable sequence and not string ? Of(sequence.Cast<object?>()) : Of<object>([row]);

    /// <summary>The table as HTML: a header row, numbers right-aligned.</summary>
    public string Html()
    {
        var html = new StringBuilder("<table><thead><tr>");
        foreach (var column in Columns)
            html.Append("<th>").Append(WebUtility.HtmlEncode(column)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var row in Rows)
        {
            html.Append("<tr>");
            foreach (var cell in row)
                html.Append(IsNumber(cell) ? "<td style=\"text-align:right\">" : "<td>").Append(WebUtility.HtmlEncode(cell)).Append("</td>");
            html.Append("</tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>The table as Markdown.</summary>
    public override string ToString()
    {
        static string Line(IEnumerable<string> cells) => "| " + string.Join(" | ", cells.Select(c => c.Replace("|", "\\|"))) + " |";
        return string.Join("\n", new[] { Line(Columns), Line(Columns.Select(_ => "---")) }.Concat(Rows.Select(Line)));
    }

    /// <summary>
    /// A cell's text: a real number to four significant digits (thousands separated from 10,000 on, exponent below
    /// 0.001), an integer with thousands separators, a key-value pair as "key: value", a sequence joined by commas,
    /// anything else as its string.
    /// </summary>
    public static string Cell(object? value) => value switch
    {
        null => "",
        string s => s,
        double d => Number(d),
        float f => Number(f),
        decimal m => Number((double)m),
        int or long or short or uint or ulong => ((IFormattable)value).ToString("N0", CultureInfo.InvariantCulture),
        bool b => b ? "yes" : "no",
        _ when value.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(KeyValuePair<,>) =>
            $"{Cell(type.GetProperty("Key")!.GetValue(value))}: {Cell(type.GetProperty("Value")!.GetValue(value))}",
        IEnumerable sequence => string.Join(", ", sequence.Cast<object?>().Select(Cell)),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    static string Number(double x) => x switch
    {
        double.NaN => "–",
        double.PositiveInfinity => "∞",
        double.NegativeInfinity => "−∞",
        _ when Math.Abs(x) >= 10_000 => x.ToString("N0", CultureInfo.InvariantCulture),
        _ when x != 0 && Math.Abs(x) < 0.001 => x.ToString("0.###E+0", CultureInfo.InvariantCulture),
        _ => x.ToString("G4", CultureInfo.InvariantCulture),
    };

    static bool IsNumber(string cell) => cell is "–" or "∞" or "−∞"
        || double.TryParse(cell.Replace(",", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    sealed record Member(string Name, Func<object, object?> Read);

    static List<Member> Members(Type type)
    {
        if (type == typeof(object) || type == typeof(string) || type.IsPrimitive || type.IsEnum)
            return [];
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0)
            .Select(p => new Member(p.Name, p.GetValue)).ToList();
        return properties.Count > 0
            ? properties
            : type.GetFields(BindingFlags.Public | BindingFlags.Instance).Select(f => new Member(f.Name, f.GetValue)).ToList();
    }
}
