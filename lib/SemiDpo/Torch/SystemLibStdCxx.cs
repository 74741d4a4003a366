using System.Runtime.InteropServices;
using System.Text;

namespace SemiDpo.Torch;

/// <summary>Finds the C++ runtime (libstdc++.so.6) the dynamic loader will use and which GLIBCXX versions it defines.</summary>
public static class SystemLibStdCxx
{
    static readonly string[] SearchPaths =
    [
        "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
        "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu",
    ];

    /// <summary>The libstdc++ already mapped into this process, else the first one in the loader's standard folders; null when none.</summary>
    public static string? Locate()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return null;
        var mapped = MappedPath();
        if (mapped is not null) return mapped;
        return SearchPaths.Select(dir => Path.Combine(dir, "libstdc++.so.6")).FirstOrDefault(File.Exists);
    }

    /// <summary>True when the library file contains the version definition <paramref name="version"/> (e.g. GLIBCXX_3.4.32).</summary>
    public static bool Defines(string libraryPath, string version)
    {
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        return File.ReadAllBytes(libraryPath).AsSpan().IndexOf(needle) >= 0;
    }

    static string? MappedPath()
    {
        try
        {
            return File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/') is var slash and >= 0 ? line[slash..] : null)
                .FirstOrDefault(path => path is not null && Path.GetFileName(path).StartsWith("libstdc++.so", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
