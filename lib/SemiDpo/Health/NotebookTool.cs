using System.Text.Json;

namespace SemiDpo.Health;

/// <summary>State of the headless notebook runner (dotnet-repl) pinned in a repository's local tool manifest.</summary>
/// <param name="Manifest">The dotnet-tools.json found, or null.</param>
/// <param name="Version">The dotnet-repl version it pins, or null.</param>
/// <param name="Restored">Whether that version is present in the NuGet packages folder (after <c>dotnet tool restore</c>).</param>
public sealed record NotebookTool(string? Manifest, string? Version, bool Restored)
{
    public const string PackageId = "dotnet-repl";

    /// <summary>Looks for .config/dotnet-tools.json (or dotnet-tools.json) from <paramref name="start"/> upwards.</summary>
    public static NotebookTool Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, ".config", "dotnet-tools.json"), Path.Combine(dir.FullName, "dotnet-tools.json") })
            {
                if (!File.Exists(candidate)) continue;
                using var json = JsonDocument.Parse(File.ReadAllText(candidate));
                var version = json.RootElement.TryGetProperty("tools", out var tools) && tools.TryGetProperty(PackageId, out var tool)
                    ? tool.GetProperty("version").GetString()
                    : null;
                return new NotebookTool(candidate, version, version is not null && Directory.Exists(Path.Combine(PackagesFolder(), PackageId, version)));
            }
        }
        return new NotebookTool(null, null, false);
    }

    /// <summary>The NuGet global packages folder (NUGET_PACKAGES, else ~/.nuget/packages).</summary>
    public static string PackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    public override string ToString() =>
        Manifest is null ? "no dotnet-tools.json found (run from the repository)"
        : Version is null ? $"{PackageId} not pinned in {Manifest}"
        : Restored ? $"{PackageId} {Version} (restored)"
        : $"{PackageId} {Version} pinned but not restored: run `dotnet tool restore`";
}
