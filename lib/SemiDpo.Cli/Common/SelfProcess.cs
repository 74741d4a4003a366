using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SemiDpo.Cli.Common;

/// <summary>Runs <c>semidpo</c> itself as a child process (benches and self-checks that need one step's own time and peak memory).</summary>
internal static class SelfProcess
{
    /// <summary>Runs <c>semidpo &lt;args&gt;</c> to the end; its standard output, or an error with its standard error when it fails.</summary>
    public static async Task<string> RunAsync(IReadOnlyList<string> args, CancellationToken cancellation = default) =>
        (await RunMeasuredAsync(args, cancellation: cancellation)).Output;

    /// <summary>
    /// Runs <c>semidpo &lt;args&gt;</c> to the end, or until <paramref name="killWhen"/> holds (then SIGKILL: no chance to
    /// clean up, as a node failure); its output, wall time and peak resident memory (the child's VmHWM, read every
    /// 50 ms). A run that fails, or ends before <paramref name="killWhen"/> held, is an error naming its standard error.
    /// </summary>
    /// <param name="echo">Gets each line of the child's standard output as it comes (a long step's progress); null: none.</param>
    public static async Task<(string Output, double Seconds, long PeakMb)> RunMeasuredAsync(IReadOnlyList<string> args, Func<bool>? killWhen = null,
        CancellationToken cancellation = default, Action<string>? echo = null)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(typeof(SelfProcess).Assembly.Location);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var clock = Stopwatch.StartNew();
        using var child = Process.Start(start)!;
        var output = echo is null ? child.StandardOutput.ReadToEndAsync(CancellationToken.None) : EchoedAsync(child.StandardOutput, echo);
        var error = child.StandardError.ReadToEndAsync(CancellationToken.None);
        var (peak, killed) = (0L, false);
        await StoppedWith(child, cancellation, async () =>
        {
            while (!child.HasExited)
            {
                peak = Math.Max(peak, PeakMb(child.Id));
                if (killWhen?.Invoke() == true)
                {
                    child.Kill();
                    killed = true;
                    break;
                }
                await Task.Delay(50, cancellation);
            }
            await child.WaitForExitAsync(cancellation);
        });
        if (killWhen is not null && !killed) throw new InvalidDataException($"semidpo {string.Join(" ", args)} ended before it was to be killed: {await error}");
        if (!killed && child.ExitCode != 0) throw new InvalidDataException($"semidpo {string.Join(" ", args)} failed: {await error}");
        return (await output, clock.Elapsed.TotalSeconds, peak);
    }

    static async Task<string> EchoedAsync(StreamReader output, Action<string> echo)
    {
        var all = new System.Text.StringBuilder();
        while (await output.ReadLineAsync() is { } line)
        {
            echo(line);
            all.AppendLine(line);
        }
        return all.ToString();
    }

    /// <summary>
    /// Runs <c>semidpo &lt;args&gt;</c>, under <c>mpiexec -n ranks</c> when <paramref name="ranks"/> ≥ 1, with
    /// <c>OMP_NUM_THREADS=threads</c>; its wall time in seconds (an error naming its standard error when it fails).
    /// </summary>
    public static async Task<double> RunTimedAsync(IReadOnlyList<string> args, int ranks, int threads, CancellationToken cancellation = default)
    {
        var start = new ProcessStartInfo(ranks > 0 ? "mpiexec" : Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (ranks > 0) foreach (var arg in new[] { "-n", $"{ranks}", Environment.ProcessPath! }) start.ArgumentList.Add(arg);
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(typeof(SelfProcess).Assembly.Location);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["OMP_NUM_THREADS"] = $"{threads}";
        var clock = Stopwatch.StartNew();
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = child.StandardError.ReadToEndAsync(CancellationToken.None);
        await StoppedWith(child, cancellation, () => child.WaitForExitAsync(cancellation));
        var seconds = clock.Elapsed.TotalSeconds;
        if (child.ExitCode != 0) throw new InvalidDataException($"{(ranks > 0 ? $"mpiexec -n {ranks} " : "")}semidpo {string.Join(" ", args)} failed: {await error}{await output}");
        return seconds;
    }

    /// <summary>
    /// Waits as <paramref name="wait"/> does; when this command is interrupted (Ctrl+C or SIGTERM cancel it, see
    /// Program.cs), the child gets SIGTERM too — it stops where a run can resume, as this command does — and is waited
    /// for (SIGKILL after <see cref="StopGrace"/>), so that no step runs on without its command.
    /// </summary>
    static async Task StoppedWith(Process child, CancellationToken cancellation, Func<Task> wait)
    {
        try
        {
            await wait();
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            if (!child.HasExited && (OperatingSystem.IsWindows() || kill(child.Id, SigTerm) != 0)) child.Kill(entireProcessTree: true);
            if (!child.WaitForExit(StopGrace)) child.Kill(entireProcessTree: true);
            throw;
        }
    }

    static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(60);
    const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill")]
    static extern int kill(int pid, int signal);

    static long PeakMb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        }
        catch (IOException)
        {
            return 0;   // the child just ended (or this is not Linux)
        }
    }
}
