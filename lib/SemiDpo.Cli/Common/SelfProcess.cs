using System.Diagnostics;

namespace SemiDpo.Cli.Common;

/// <summary>Runs <c>semidpo</c> itself as a child process (benches that need one variant's own peak memory).</summary>
internal static class SelfProcess
{
    /// <summary>Runs <c>semidpo &lt;args&gt;</c> to the end; its standard output, or an error with its standard error when it fails.</summary>
    public static async Task<string> RunAsync(IReadOnlyList<string> args, CancellationToken cancellation = default)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(typeof(SelfProcess).Assembly.Location);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync(cancellation);
        var error = child.StandardError.ReadToEndAsync(cancellation);
        await child.WaitForExitAsync(cancellation);
        if (child.ExitCode != 0) throw new InvalidDataException($"semidpo {string.Join(" ", args)} failed: {await error}");
        return await output;
    }
}
