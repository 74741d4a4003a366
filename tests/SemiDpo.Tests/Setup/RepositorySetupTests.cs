using System.Text.Json;

namespace SemiDpo.Tests.Setup;

public class RepositorySetupTests
{
    [Fact]
    public void Devcontainer_IsValidJson_WithTheNotebookExtensionsAndTheSetupScript()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, ".devcontainer", "devcontainer.json")));
        var root = json.RootElement;

        Assert.Contains("dotnet", root.GetProperty("image").GetString());
        var extensions = root.GetProperty("customizations").GetProperty("vscode").GetProperty("extensions")
            .EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("ms-dotnettools.dotnet-interactive-vscode", extensions);
        Assert.Contains("ms-toolsai.jupyter", extensions);
        var setup = root.GetProperty("postCreateCommand").GetString()!;
        Assert.Contains("environment/setup.sh", setup);
        Assert.True(File.Exists(Path.Combine(TestPaths.RepoRoot, "environment", "setup.sh")));
    }

    [Fact]
    public void ToolManifest_PinsTheNotebookRunner()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, ".config", "dotnet-tools.json")));
        Assert.Equal("0.3.259", json.RootElement.GetProperty("tools").GetProperty("dotnet-repl").GetProperty("version").GetString());
    }

    [Fact]
    public void Readme_TestCommand_IsTheOneCiRuns()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "README.md"));
        var ci = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, ".ci", "run"));
        const string testCommand = "dotnet tool restore && dotnet test Notebooks.sln";

        Assert.Contains(testCommand, readme);
        Assert.Contains(testCommand, ci);
    }

    [Fact]
    public void Readme_MainCommand_IsTheReproduction_AndCiRunsItsQuickForm()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "README.md"));
        var ci = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, ".ci", "run"));
        const string mainCommand = "dotnet run --project lib/SemiDpo.Cli -c Release -- reproduce";

        Assert.Contains(mainCommand + "\n", readme);
        Assert.Contains(mainCommand + " --quick", ci);
    }
}
