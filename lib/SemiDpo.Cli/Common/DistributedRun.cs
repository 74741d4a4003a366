using SemiDpo.Distributed;
using Spectre.Console;
using static TorchSharp.torch;

namespace SemiDpo.Cli.Common;

/// <summary>
/// A command's start under <c>mpirun</c>/<c>srun</c>: joins the MPI world, gives each rank its share of the machine's
/// cores (unless <c>OMP_NUM_THREADS</c> says otherwise) and, on CUDA, the GPU of its local rank; ranks other than 0
/// print nothing but their errors, so the console shows one run.
/// </summary>
public static class DistributedRun
{
    public static DataParallel Join()
    {
        var world = DataParallel.World;
        if (!world.IsDistributed) return world;
        if (Environment.GetEnvironmentVariable("OMP_NUM_THREADS") is null) set_num_threads(Math.Max(1, Environment.ProcessorCount / world.LocalSize));
        if (!world.IsRoot) AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) });
        AnsiConsole.MarkupLine(Markup.Escape($"data parallel: {world.Size} ranks over MPI ({world.Library}); rank 0 writes every file"));
        return world;
    }

    /// <summary>
    /// Why a command launched under MPI cannot run (null when it can): only <c>train</c> and <c>bench allreduce</c>
    /// share their work across ranks; any other command would run whole on every rank, each writing the same files.
    /// </summary>
    public static string? Refusal(string[] args) =>
        args is ["train", ..] or ["bench", "allreduce", ..] || args.Contains("--help") || args.Contains("-h") || !DataParallel.Launched
            ? null
            : $"'semidpo {string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')))}' does not run under mpiexec or srun: only train (and bench allreduce) share their work across ranks; run it as one process.";

    /// <summary>The device a rank trains on: the one asked for, else under MPI with CUDA the GPU of its local rank.</summary>
    public static string? Device(DataParallel world, string? asked) =>
        asked ?? (world.IsDistributed && cuda.is_available() ? $"cuda:{world.LocalRank % (int)cuda.device_count()}" : null);
}
