using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using SemiDpo.Torch;

namespace SemiDpo.Health;

/// <summary>
/// What one invocation of a run ran with, so that a result can be traced to its code and machine: the command line, the
/// library versions (semidpo, TorchSharp, libtorch, .NET), the backend and device, the OS, and the git commit of the
/// working folder (with whether it had uncommitted changes; null outside a git checkout or without git).
/// </summary>
public sealed record RunRecord(string Command, DateTimeOffset Started, string SemiDpoVersion, string TorchSharpVersion, string LibTorchVersion,
    string Backend, string Device, int Threads, string DotNet, string Os, int Processors, string? GitCommit, bool? GitDirty)
{
    /// <summary>The file each run folder gets: one JSON line per invocation (a resumed run adds a line).</summary>
    public const string FileName = "runs.jsonl";

    public static RunRecord Capture(string command, TorchSharp.torch.Device device)
    {
        var torch = TorchRuntime.Init();
        var version = typeof(RunRecord).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
        var commit = Git("rev-parse HEAD");
        return new RunRecord(command, DateTimeOffset.UtcNow, version, torch.TorchSharpVersion, torch.LibTorchVersion, torch.Backend, device.ToString(),
            torch.Threads, RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription, Environment.ProcessorCount,
            commit, commit is null ? null : Git("status --porcelain --untracked-files=no") is { Length: > 0 });
    }

    /// <summary>This process's command line as a user would type it: "semidpo" and the arguments.</summary>
    public static string CommandLine() => string.Join(' ', Environment.GetCommandLineArgs().Skip(1).Prepend("semidpo"));

    /// <summary>Appends this record to <see cref="FileName"/> in <paramref name="folder"/>.</summary>
    public void AppendTo(string folder)
    {
        Directory.CreateDirectory(folder);
        File.AppendAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this) + "\n");
    }

    /// <summary>Every record in a folder's <see cref="FileName"/>, oldest first.</summary>
    public static IReadOnlyList<RunRecord> ReadAll(string folder)
    {
        var path = Path.Combine(folder, FileName);
        return File.Exists(path)
            ? File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<RunRecord>(l)!).ToList()
            : [];
    }

    /// <summary>git's trimmed output in the current folder, or null where git is missing, fails or takes over 5 s.</summary>
    static string? Git(string arguments)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", arguments)
                { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (git is null) return null;
            var output = git.StandardOutput.ReadToEndAsync();
            if (!git.WaitForExit(5000)) { git.Kill(); return null; }
            return git.ExitCode == 0 ? output.Result.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
