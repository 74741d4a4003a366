using System.Runtime.InteropServices;
using SemiDpo.Cli;

// Redirected output (logs, CI) has no terminal width; Spectre then assumes 80 columns and wraps wide tables.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 200;

// Ctrl+C and SIGTERM (what SLURM and Kubernetes send before killing a job) cancel the command, which then stops at
// its next check, keeps what it saved and exits 3 (see ExitCodes); a second Ctrl+C kills at once.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = !cancellation.IsCancellationRequested; cancellation.Cancel(); };
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; cancellation.Cancel(); });

try
{
    if (SemiDpo.Cli.Common.DistributedRun.Refusal(args) is { } refusal)
    {
        Console.Error.WriteLine($"semidpo: {refusal}");
        return SemiDpo.Cli.Common.ExitCodes.UsageError;
    }
}
catch (SemiDpo.Distributed.DataParallelException e)
{
    Console.Error.WriteLine($"semidpo: {e.Message}");
    return SemiDpo.Cli.Common.ExitCodes.InputError;
}

return await SemiDpoCommandApp.Create().RunAsync(args, cancellation.Token);
