using System.Reflection;

namespace SemiDpo.Tests;

/// <summary>Locations the tests need: the repository root and the NuGet packages folder the build used.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string NuGetPackageRoot { get; } =
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NuGetPackageRoot").Value!;

    /// <summary>The pristine libLibTorchSharp.so of the TorchSharp package (never patched in place).</summary>
    public static string PristineLibTorchSharp =>
        Path.Combine(NuGetPackageRoot, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Notebooks.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Notebooks.sln not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>A fresh empty folder under the system temp folder, deleted when disposed.</summary>
    public static TempFolder NewTempFolder() => new();

    public sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("semidpo-tests-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
