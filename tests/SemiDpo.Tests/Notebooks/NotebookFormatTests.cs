using System.Text.Json;

namespace SemiDpo.Tests.Notebooks;

/// <summary>The notebooks are valid nbformat 4.5 (Jupyter's nbconvert will refuse cells without an id).</summary>
public class NotebookFormatTests
{
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
