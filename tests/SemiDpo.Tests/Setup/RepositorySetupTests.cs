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
    public void ToolManifest_PinsTheNotebookRunnerAndTheJupyterKernel()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, ".config", "dotnet-tools.json")));
        Assert.Equal("0.3.259", json.RootElement.GetProperty("tools").GetProperty("dotnet-repl").GetProperty("version").GetString());
        // The Jupyter kernel that environment/jupyter-notebooks.sh (run by CI) registers.
        Assert.Equal("1.0.712001", json.RootElement.GetProperty("tools").GetProperty("microsoft.dotnet-interactive").GetProperty("version").GetString());
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

public class GpuSetupTests
{
    [Fact]
    public void GpuDevcontainer_PassesTheGpus_AndBuildsTheCudaBackend()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, ".devcontainer", "gpu", "devcontainer.json")));
        var root = json.RootElement;
        Assert.Equal(["--gpus", "all"], root.GetProperty("runArgs").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("cuda", root.GetProperty("containerEnv").GetProperty("TORCH_BACKEND").GetString());
        Assert.Contains("environment/setup.sh", root.GetProperty("postCreateCommand").GetString());
        Assert.Contains("TorchBackend=\"$backend\"", File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "environment", "setup.sh")));
    }

    [Fact]
    public void CpuAndCudaBuilds_ShareNeitherObjNorPackageVersion()
    {
        var cpu = Evaluate("cpu");
        var cuda = Evaluate("cuda");
        Assert.NotEqual(cpu["BaseIntermediateOutputPath"], cuda["BaseIntermediateOutputPath"]);
        Assert.NotEqual(cpu["OutputPath"], cuda["OutputPath"]);
        Assert.Equal("0.1.0", cpu["PackageVersion"]);
        Assert.Equal("0.1.0-cuda", cuda["PackageVersion"]);
    }

    static Dictionary<string, string> Evaluate(string backend)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "msbuild", Path.Combine(TestPaths.RepoRoot, "lib", "SemiDpo", "SemiDpo.csproj"), $"-p:TorchBackend={backend}",
                     "-getProperty:BaseIntermediateOutputPath", "-getProperty:OutputPath", "-getProperty:PackageVersion" })
            start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, output + process.StandardError.ReadToEnd());
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("Properties").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }
}
