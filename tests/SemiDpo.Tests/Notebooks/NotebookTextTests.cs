using System.Text.RegularExpressions;

namespace SemiDpo.Tests.Notebooks;

/// <summary>
/// What the notebooks say about themselves: numbers quoted in their text (and in docs/workshop.md's answers) are numbers
/// their outputs show, each opens with what it teaches, its run time and what comes before, the workshop gives the same
/// run times, and each closes with answers and a link to the next notebook in order.
/// </summary>
public partial class NotebookTextTests
{
    static readonly string[] Order = ["00-quickstart", "00b-miniature-world", "01-consensus-filtering", "02-iterative-training", "03-variance-bound",
        "04-ablations", "04b-related-methods", "05-paper-tables", "06-stable-diffusion", "07-real-judges", "08-real-data", "09-sd15-iterations"];

    static string Notebook(string name) => Path.Combine(TestPaths.RepoRoot, "notebooks", name + ".ipynb");
    static string Page(string name) => Path.Combine(TestPaths.RepoRoot, "docs", "notebooks", name + ".md");

    [Fact]
    public void TheOrder_ListsEveryNotebook() =>
        Assert.Equal(Order.Order(), Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "notebooks"), "*.ipynb").Select(Path.GetFileNameWithoutExtension).Order());

    [Theory]
    [MemberData(nameof(Names))]
    public void RenderedPage_QuotesOnlyNumbersItsOutputsShow(string name)
    {
        var (prose, outputs) = QuotedNumbers.SplitRendered(Page(name));
        var missing = QuotedNumbers.In(prose).Where(q => !QuotedNumbers.OccursIn(q, outputs)).ToList();
        Assert.True(missing.Count == 0, $"{name}: the rendered page quotes {string.Join(", ", missing)}, which none of its outputs shows");
    }

    [Fact]
    public void WorkshopAnswers_QuoteOnlyNumbersTheirNotebookShows()
    {
        var workshop = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "workshop.md"));
        var answers = workshop[workshop.IndexOf("## Answers", StringComparison.Ordinal)..];
        var paragraphs = answers.Split("\n\n").Where(p => AnswerHead().IsMatch(p)).ToList();
        Assert.NotEmpty(paragraphs);
        foreach (var paragraph in paragraphs)
        {
            var number = AnswerHead().Match(paragraph).Groups[1].Value;
            var name = Order.Single(n => n.StartsWith(number + "-", StringComparison.Ordinal));
            var (_, outputs) = QuotedNumbers.SplitRendered(Page(name));
            var missing = QuotedNumbers.In(paragraph).Where(q => !QuotedNumbers.OccursIn(q, outputs)).ToList();
            Assert.True(missing.Count == 0, $"workshop.md's answer for {name} quotes {string.Join(", ", missing)}, which its rendered page does not show");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Notebook_OpensWithWhatItTeachesItsRunTimeAndWhatComesBefore_AsTheWorkshopSays(string name)
    {
        var first = QuotedNumbers.Markdown(Notebook(name)).Split("\n\n## ")[0];
        Assert.Single(Regex.Matches(QuotedNumbers.Markdown(Notebook(name)), Regex.Escape("**You will learn**")));
        Assert.Contains("**Before:**", first);
        var runTime = RunsIn().Match(first);
        Assert.True(runTime.Success, $"{name}: no '**Runs in** ≈ <time>' in its first cell");
        var workshop = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "workshop.md")).Replace('\n', ' ');
        var link = $"notebooks/{name}.ipynb)";
        var at = workshop.IndexOf(link, StringComparison.Ordinal);
        Assert.True(at >= 0, $"docs/workshop.md does not link {name}");
        var after = workshop.Substring(at + link.Length, Math.Min(24, workshop.Length - at - link.Length));   // " | 13 s |" or " (13 s)"
        Assert.True(after.Contains(runTime.Groups[1].Value, StringComparison.Ordinal),
            $"{name} says it runs in {runTime.Groups[1].Value}; docs/workshop.md says otherwise after its link: '{after}'");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Notebook_ClosesWithAnswers_AndLinksTheNextNotebookInOrder(string name)
    {
        var markdown = QuotedNumbers.Markdown(Notebook(name));
        Assert.True(markdown.Contains("## Answers", StringComparison.Ordinal) || markdown.Contains("## Exercises and answers", StringComparison.Ordinal),
            $"{name} has no answers to its exercises");
        var index = Array.IndexOf(Order, name);
        if (index == Order.Length - 1)
        {
            Assert.Contains("**Last notebook.**", markdown);
            return;
        }
        var next = NextLink().Match(markdown);
        Assert.True(next.Success, $"{name} has no **Next:** link");
        Assert.Equal(Order[index + 1] + ".ipynb", next.Groups[1].Value);
    }

    public static TheoryData<string> Names() => new(Order);

    [GeneratedRegex(@"^\*\*(0\d[b]?) ·")]
    private static partial Regex AnswerHead();

    [GeneratedRegex(@"\*\*Runs in\*\*\s+≈ ([\d.]+ (?:s|min))")]
    private static partial Regex RunsIn();

    [GeneratedRegex(@"\*\*Next:\*\* \[[^\]]*\]\(([^)#]+)")]
    private static partial Regex NextLink();
}
