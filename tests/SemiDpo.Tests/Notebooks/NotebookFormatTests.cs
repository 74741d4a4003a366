using System.Text.Json;
using System.Text.RegularExpressions;

namespace SemiDpo.Tests.Notebooks;

/// <summary>The notebooks are valid nbformat 4.5 (Jupyter's nbconvert will refuse cells without an id) and their relative links resolve.</summary>
public partial class NotebookFormatTests
{
    [Theory]
    [MemberData(nameof(NotebookExecutionTests.Notebooks), MemberType = typeof(NotebookExecutionTests))]
    public void EveryRelativeLink_InTheMarkdown_PointsToAFileThatExists(string notebook)
    {
        var folder = Path.Combine(TestPaths.RepoRoot, "notebooks");
        var markdown = NotebookCells.Of(Path.Combine(folder, notebook), "markdown").Select(c => c.Source);
        var targets = markdown.SelectMany(m => MarkdownLink().Matches(m).Select(x => x.Groups[1].Value))
            .Where(t => !t.Contains("://") && !t.StartsWith('#')).Select(t => t.Split('#')[0]).ToList();
        Assert.All(targets, t => Assert.True(File.Exists(Path.Combine(folder, t)) || Directory.Exists(Path.Combine(folder, t)), $"{notebook}: link to '{t}' does not resolve"));
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [Theory]
    [MemberData(nameof(NotebookExecutionTests.Notebooks), MemberType = typeof(NotebookExecutionTests))]
    public void EveryCell_HasAUniqueId_UnderNbformat45(string notebook)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "notebooks", notebook)));
        var root = json.RootElement;
        Assert.Equal(4, root.GetProperty("nbformat").GetInt32());
        Assert.True(root.GetProperty("nbformat_minor").GetInt32() >= 5, "nbformat_minor < 5: cell ids are not part of the format");
        var ids = root.GetProperty("cells").EnumerateArray().Select(c => c.TryGetProperty("id", out var id) ? id.GetString() : null).ToList();
        Assert.DoesNotContain(null, ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}
