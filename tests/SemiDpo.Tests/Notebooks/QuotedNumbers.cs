using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SemiDpo.Tests.Notebooks;

/// <summary>
/// The notebooks' convention for numbers in their text: a number written in code style (<c>`0.7433`</c>, <c>`12.3 %`</c>)
/// is quoted from an output of the same notebook. These helpers find the quotes and the places they must occur.
/// </summary>
public static partial class QuotedNumbers
{
    /// <summary>The code-style spans of <paramref name="markdown"/> that hold only a number (with an optional %, s or min).</summary>
    public static IReadOnlyList<string> In(string markdown) =>
        Span().Matches(markdown).Select(m => m.Groups[1].Value).Where(v => Number().IsMatch(v)).Distinct().ToList();

    /// <summary>Whether <paramref name="quote"/> occurs in <paramref name="text"/> as a whole number (not inside a longer one).</summary>
    public static bool OccursIn(string quote, string text) =>
        Regex.IsMatch(Normalise(text), @"(?<![\d.,])" + Regex.Escape(Normalise(quote)) + @"(?![\d]|[.,]\d)");

    /// <summary>The text of every output of an executed notebook: plain text, and HTML with its tags removed.</summary>
    public static string Outputs(string executedNotebook)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(executedNotebook));
        var texts = new List<string>();
        foreach (var cell in json.RootElement.GetProperty("cells").EnumerateArray())
        {
            if (!cell.TryGetProperty("outputs", out var outputs)) continue;
            foreach (var output in outputs.EnumerateArray())
            {
                if (output.TryGetProperty("text", out var stream)) texts.Add(NotebookCells.Text(stream));
                if (!output.TryGetProperty("data", out var data)) continue;
                if (data.TryGetProperty("text/html", out var html)) texts.Add(WithoutTags(NotebookCells.Text(html)));
                else if (data.TryGetProperty("text/plain", out var plain)) texts.Add(NotebookCells.Text(plain));
            }
        }
        return string.Join("\n", texts);
    }

    /// <summary>The markdown cells of a notebook, joined.</summary>
    public static string Markdown(string notebook) => string.Join("\n\n", NotebookCells.Of(notebook, "markdown").Select(c => c.Source));

    /// <summary>A rendered page (docs/notebooks/*.md) split into its prose and the text of its outputs (HTML tables, plain-text blocks).</summary>
    public static (string Prose, string Outputs) SplitRendered(string page)
    {
        var prose = new List<string>();
        var outputs = new List<string>();
        var lines = File.ReadAllLines(page);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                var isCode = lines[i].StartsWith("```csharp", StringComparison.Ordinal) || lines[i].StartsWith("```bash", StringComparison.Ordinal);
                var block = new List<string>();
                for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++) block.Add(lines[i]);
                if (!isCode) outputs.Add(string.Join("\n", block));
            }
            else if (lines[i].StartsWith('<') || lines[i].StartsWith("| <img", StringComparison.Ordinal))   // HTML outputs, image grids' captions
                outputs.Add(WithoutTags(lines[i]));
            else
                prose.Add(lines[i]);
        }
        return (string.Join("\n", prose), string.Join("\n", outputs));
    }


    static string WithoutTags(string html) => WebUtility.HtmlDecode(Regex.Replace(html, "<[^>]+>", " "));

    static string Normalise(string text) => text.Replace('−', '-').Replace('\u00a0', ' ').Replace('\u202f', ' ');

    [GeneratedRegex(@"(?<!`)`([^`\n]+)`(?!`)")]
    private static partial Regex Span();

    [GeneratedRegex(@"^[−-]?\d[\d,]*(\.\d+)?([eE][+-]?\d+)?( ?%| s| min)?$")]
    private static partial Regex Number();
}
