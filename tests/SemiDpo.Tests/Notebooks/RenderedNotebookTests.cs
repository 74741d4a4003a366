
namespace SemiDpo.Tests.Notebooks;

/// <summary>
/// Every notebook has a rendered page in docs/notebooks/ (outputs, charts and image grids visible without running it)
/// made from its current code: a notebook edited without running environment/render_notebooks.py fails here.
/// </summary>
public class RenderedNotebookTests
{
    [Theory]
    [MemberData(nameof(NotebookExecutionTests.Notebooks), MemberType = typeof(NotebookExecutionTests))]
    public void RenderedPage_HoldsEveryCodeCell_AndItsImagesExist(string notebook)
    {
        var page = Path.Combine(TestPaths.RepoRoot, "docs", "notebooks", Path.ChangeExtension(notebook, ".md"));
        Assert.True(File.Exists(page), $"{notebook} has no rendered page: run `python3 environment/render_notebooks.py` after the tests.");
        var rendered = File.ReadAllText(page);
        var code = NotebookCells.Of(Path.Combine(TestPaths.RepoRoot, "notebooks", notebook), "code").Select(c => c.Source)
            .Where(s => !s.StartsWith("#r ", StringComparison.Ordinal));
        Assert.All(code, source => Assert.True(rendered.Contains("```csharp\n" + source + "\n```"),
            $"{notebook}: the rendered page is older than this cell; run `python3 environment/render_notebooks.py`:\n{source}"));
        var images = System.Text.RegularExpressions.Regex.Matches(rendered, @"(?:\]\(|src="")(img/[^)""]+)").Select(m => m.Groups[1].Value).ToList();
        Assert.All(images, image => Assert.True(File.Exists(Path.Combine(TestPaths.RepoRoot, "docs", "notebooks", image)), $"{notebook}: {image} is missing"));
    }
}
