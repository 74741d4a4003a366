using System.Reflection;
using System.Runtime.InteropServices;

namespace SemiDpo.Torch;

/// <summary>
/// Locates (and, in notebooks, prepares) the one folder from which TorchSharp's native libraries are loaded.
/// A built program has them in <c>bin/.../runtimes/linux-x64/native</c>. A notebook (dotnet-interactive, dotnet-repl)
/// references TorchSharp straight from the NuGet cache, where TorchSharp itself gathers the natives of its packages
/// into <c>torchsharp/&lt;version&gt;/lib/net8.0/&lt;backend folder&gt;</c>; we gather them there the same way, as
/// symbolic links, so that both agree on one copy of libtorch (two copies abort the process).
/// </summary>
public static class NativeLibraryFolder
{
    public const string LibTorchSharp = "libLibTorchSharp.so";

    /// <summary>The folder holding libLibTorchSharp.so for this process, creating the notebook one if needed; null if none is found.</summary>
    public static string? Locate(Assembly torchSharp, TorchBackend backend)
    {
        var appNative = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        foreach (var dir in new[] { appNative, AppContext.BaseDirectory })
            if (File.Exists(Path.Combine(dir, LibTorchSharp))) return dir;
        return GatherFromNuGetCache(torchSharp, backend);
    }

    static string? GatherFromNuGetCache(Assembly torchSharp, TorchBackend backend)
    {
        // .../packages/torchsharp/<version>/lib/net8.0/TorchSharp.dll
        var libDir = Path.GetDirectoryName(torchSharp.Location);
        if (string.IsNullOrEmpty(libDir)) return null;
        var versionDir = Path.GetFullPath(Path.Combine(libDir, "..", ".."));
        var packagesDir = Path.GetFullPath(Path.Combine(versionDir, "..", ".."));
        var torchSharpNative = Path.Combine(versionDir, "runtimes", "linux-x64", "native");
        if (!File.Exists(Path.Combine(torchSharpNative, LibTorchSharp))) return null;

        var libtorchNatives = Directory.Exists(packagesDir)
            ? Directory.GetDirectories(packagesDir, backend.LibTorchPackagePattern)
                .Select(package => Path.Combine(package, backend.LibTorchVersion, "runtimes", "linux-x64", "native"))
                .Where(Directory.Exists)
                .ToList()
            : [];
        if (libtorchNatives.Count == 0) return null;

        var target = Path.Combine(libDir, backend.ConsolidatedFolder);
        Directory.CreateDirectory(target);
        foreach (var source in libtorchNatives.Append(torchSharpNative))
            foreach (var file in Directory.GetFiles(source).Where(IsSharedObject))
                LinkIfMissing(file, Path.Combine(target, Path.GetFileName(file)));
        return target;
    }

    static bool IsSharedObject(string path) => Path.GetFileName(path).Contains(".so", StringComparison.Ordinal);

    static void LinkIfMissing(string source, string link)
    {
        if (File.Exists(link)) return;
        try
        {
            File.CreateSymbolicLink(link, source);
        }
        catch (IOException) when (File.Exists(link))
        {
            // Another process created it first: same content, nothing to do.
        }
    }

    /// <summary>Loads the libtorch libraries of <paramref name="folder"/> in dependency order, then libLibTorchSharp.so.</summary>
    public static void Preload(string folder)
    {
        foreach (var name in new[] { "libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so", LibTorchSharp })
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path)) NativeLibrary.Load(path);
        }
    }
}
