using System.Diagnostics;

namespace SemiDpo.Tests.Cli;

/// <summary>Runs the built <c>semidpo</c> as a child process (the console, exit code and signals are those a user gets).</summary>
internal static class CliProcess
{
    static string Dll => Path.Combine(AppContext.BaseDirectory, "SemiDpo.Cli.dll");

    public static Process Start(string workingDirectory, params string[] args) => Start(workingDirectory, args, ranks: 0);

    /// <summary>
    /// Starts semidpo; with <paramref name="ranks"/> ≥ 1 as <c>mpiexec -n ranks</c> (MPICH's), each process with one
    /// thread unless <paramref name="environment"/> says otherwise.
    /// </summary>
    public static Process Start(string workingDirectory, string[] args, int ranks, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(ranks > 0 ? "mpiexec" : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (ranks > 0)
        {
            foreach (var arg in new[] { "-n", $"{ranks}", "dotnet" }) start.ArgumentList.Add(arg);
            start.Environment["OMP_NUM_THREADS"] = "1";
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        start.ArgumentList.Add(Dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

    /// <summary>`semidpo world build` of <paramref name="pairs"/> pairs, then `semidpo filter`, in <paramref name="folder"/>; returns the filter folder.</summary>
    public static string FilteredWorld(string folder, int pairs, int seed)
    {
        var world = Path.Combine(folder, "world");
        var filter = Path.Combine(folder, "filter");
        foreach (var args in new[] { ["world", "build", "--out", world, "--pairs", $"{pairs}", "--seed", $"{seed}"], new[] { "filter", "--in", world, "--out", filter } })
        {
            var (code, output, error) = Run(TestPaths.RepoRoot, args);
            Assert.True(code == 0, error + output);
        }
        return filter;
    }

    /// <summary>Runs to the end (killed after <paramref name="timeoutSeconds"/>): exit code, stdout, stderr.</summary>
    public static (int ExitCode, string Output, string Error) Run(string workingDirectory, string[] args, int timeoutSeconds = 300,
        int ranks = 0, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(workingDirectory, args, ranks, environment);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"semidpo {string.Join(" ", args)} did not finish in {timeoutSeconds} s.");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
