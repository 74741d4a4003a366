using System.Diagnostics;
using System.Text.Json;

namespace SemiDpo.Tests.Torch;

public class TorchBackendSwitchTests
{
    static IReadOnlyList<string> PackageReferences(params string[] properties)
    {
        var project = Path.Combine(TestPaths.RepoRoot, "lib", "SemiDpo", "SemiDpo.csproj");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "msbuild", project, "-getItem:PackageReference", "-nologo" }.Concat(properties.Select(p => $"-p:{p}")))
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"dotnet msbuild failed: {output}{error}");
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("Items").GetProperty("PackageReference").EnumerateArray()
            .Select(item => item.GetProperty("Identity").GetString()!).ToList();
    }

    [Fact]
    public void DefaultBuild_ReferencesTorchSharpCpu()
    {
        var references = PackageReferences();
        Assert.Contains("TorchSharp-cpu", references);
        Assert.DoesNotContain("TorchSharp-cuda-linux", references);
    }

    [Fact]
    public void TorchBackendCuda_SwitchesTheReferenceToTorchSharpCudaLinux()
    {
        var references = PackageReferences("TorchBackend=cuda");
        Assert.Contains("TorchSharp-cuda-linux", references);
        Assert.DoesNotContain("TorchSharp-cpu", references);
    }
}
