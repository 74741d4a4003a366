using System.Text.RegularExpressions;

namespace SemiDpo.Tests.Setup;

/// <summary>Every relative link in README.md and docs/*.md points to a file that exists, and to a heading there when it names one.</summary>
public partial class DocumentationLinkTests
{
    public static TheoryData<string> Documents =>
        new(Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "docs"), "*.md", SearchOption.AllDirectories).Order().Select(p => Path.GetRelativePath(TestPaths.RepoRoot, p)).Prepend("README.md"));

    [Theory]
    [MemberData(nameof(Documents))]
    public void EveryRelativeLink_ResolvesToAFileAndHeading(string document)
    {
        var path = Path.Combine(TestPaths.RepoRoot, document);
        var folder = Path.GetDirectoryName(path)!;
        var links = Link().Matches(CodeBlock().Replace(File.ReadAllText(path), "")).Select(m => m.Groups[1].Value).Where(t => !t.Contains("://")).ToList();
        Assert.NotEmpty(links);
        foreach (var link in links)
        {
            var parts = link.Split('#', 2);
            var target = parts[0].Length == 0 ? path : Path.GetFullPath(Path.Combine(folder, parts[0]));
            Assert.True(File.Exists(target) || Directory.Exists(target), $"{document}: link to '{link}' does not resolve");
            if (parts.Length == 2 && target.EndsWith(".md", StringComparison.Ordinal))
                Assert.True(Anchors(target).Contains(parts[1]), $"{document}: '{link}' names no heading of {Path.GetFileName(target)}");
        }
    }

    [Fact]
    public void Readme_IsShortEnoughToReadInFiveMinutes() =>
        Assert.InRange(Regex.Split(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "README.md")), @"\s+").Length, 300, 1500);

    /// <summary>GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.</summary>
    static HashSet<string> Anchors(string markdown) =>
        CodeBlock().Replace(File.ReadAllText(markdown), "").Split('\n').Where(l => l.StartsWith('#'))
            .Select(l => NotSlug().Replace(l.TrimStart('#').Trim().ToLowerInvariant(), "").Replace(' ', '-')).ToHashSet();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"```.*?```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex(@"[^\p{L}\p{N} _-]")]
    private static partial Regex NotSlug();
}
