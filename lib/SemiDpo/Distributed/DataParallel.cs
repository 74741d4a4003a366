using System.Diagnostics;
using static SemiDpo.Distributed.MpiLibrary;

namespace SemiDpo.Distributed;

/// <summary>A failure of the processes training together (an MPI error, or ranks that stopped answering).</summary>
public sealed class DataParallelException(string message) : Exception(message);

/// <summary>
/// The processes that train one model together. A process started by <c>mpirun</c>/<c>mpiexec</c> (MPICH's Hydra sets
/// <c>PMI_RANK</c>/<c>PMI_SIZE</c>) or by <c>srun</c> with PMI/PMIx joins the MPI world of its launch; any other process
/// is a world of one, where every collective is a no-op. Collectives wait at most <see cref="Timeout"/> for the other
/// ranks (<c>SEMIDPO_MPI_TIMEOUT</c>, seconds; default 600): a rank that died or hangs ends the job with one line on
/// every rank still alive instead of a hang. Errors are returned by MPI, not fatal, and become one-line
/// <see cref="DataParallelException"/>s.
/// </summary>
public sealed unsafe class DataParallel
{
    /// <summary>Elements per MPI call: 64 Mi floats (256 MiB), so counts stay well inside MPI's <c>int</c>.</summary>
    public const int ChunkElements = 64 << 20;
    public const string TimeoutVariable = "SEMIDPO_MPI_TIMEOUT";

    static readonly Lazy<DataParallel> world = new(Join);

    DataParallel(int rank, int size, int localRank, int localSize, string library)
    {
        (Rank, Size, LocalRank, LocalSize, Library) = (rank, size, localRank, localSize, library);
        Timeout = TimeSpan.FromSeconds(Environment.GetEnvironmentVariable(TimeoutVariable) is { } s
            && double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? seconds : 600);
    }

    /// <summary>This process's world: MPI's when launched under an MPI launcher, else a world of one.</summary>
    public static DataParallel World => world.Value;

    /// <summary>This process's rank and world size, once it has joined a world of more than one ("rank 1 of 2"); else null.</summary>
    public static string? JoinedAs => world.IsValueCreated && world.Value.IsDistributed ? $"rank {world.Value.Rank} of {world.Value.Size}" : null;

    /// <summary>Whether this process was started by an MPI launcher with more than one rank (without joining MPI yet).</summary>
    public static bool Launched => LaunchedSize() > 1;

    public int Rank { get; }
    public int Size { get; }

    /// <summary>Rank among the processes on this machine (picks the GPU: <c>cuda:LocalRank</c>).</summary>
    public int LocalRank { get; }
    public int LocalSize { get; }

    /// <summary>The MPI library (empty for a world of one).</summary>
    public string Library { get; }

    public TimeSpan Timeout { get; }

    /// <summary>Rank 0: the one that writes checkpoints, logs and result files.</summary>
    public bool IsRoot => Rank == 0;

    public bool IsDistributed => Size > 1;

    public override string ToString() => IsDistributed
        ? $"MPI rank {Rank} of {Size} (local {LocalRank} of {LocalSize}; {Library})"
        : "one process";

    static int LaunchedSize()
    {
        if (Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null)
            throw new DataParallelException("launched by Open MPI, whose ABI this build does not bind: launch with MPICH's mpiexec (Debian: apt-get install mpich) or an MPI with MPICH's ABI (Intel MPI, MVAPICH, Cray MPICH).");
        // Hydra and PMI-2 set PMI_SIZE; under srun with PMIx, SLURM_NTASKS counts the ranks. One rank is no world.
        foreach (var name in new[] { "PMI_SIZE", "PMIX_SIZE" })
            if (int.TryParse(Environment.GetEnvironmentVariable(name), out var size)) return size;
        return Environment.GetEnvironmentVariable("PMIX_RANK") is not null && int.TryParse(Environment.GetEnvironmentVariable("SLURM_NTASKS"), out var tasks) ? tasks : 1;
    }

    static DataParallel Join()
    {
        var launched = LaunchedSize();
        if (launched < 2) return new DataParallel(0, 1, 0, 1, "");
        int initialized;
        try
        {
            Check(MPI_Initialized(out initialized), "MPI_Initialized");
        }
        catch (DllNotFoundException e)
        {
            throw new DataParallelException(e.Message);
        }
        // Serialized: collectives may run on any thread (after an await), one at a time.
        if (initialized == 0)
        {
            Check(MPI_Init_thread(null, null, ThreadSerialized, out var provided), "MPI_Init_thread");
            if (provided < ThreadSerialized) throw new DataParallelException($"this MPI gives thread level {provided}; semidpo needs MPI_THREAD_SERIALIZED ({ThreadSerialized}).");
        }
        Check(MPI_Comm_set_errhandler(CommWorld, ErrorsReturn), "MPI_Comm_set_errhandler");
        Check(MPI_Comm_rank(CommWorld, out var rank), "MPI_Comm_rank");
        Check(MPI_Comm_size(CommWorld, out var size), "MPI_Comm_size");
        if (size != launched)
            throw new DataParallelException($"the launcher started {launched} ranks but MPI joined a world of {size}: this MPI library ({Loaded}) does not match the launcher (use the mpiexec of the same MPI, or srun --mpi= the PMI it was built for).");
        Check(MPI_Comm_split_type(CommWorld, CommTypeShared, rank, InfoNull, out var local), "MPI_Comm_split_type");
        Check(MPI_Comm_rank(local, out var localRank), "MPI_Comm_rank");
        Check(MPI_Comm_size(local, out var localSize), "MPI_Comm_size");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            // MPI_Finalize waits for the other ranks: after a failure (one may be dead or hung) the process just exits,
            // non-zero, and the launcher ends the rest.
            if (!failed && MPI_Finalized(out var done) == Success && done == 0) MPI_Finalize();
        };
        return new DataParallel(rank, size, localRank, localSize, $"{Loaded}: {Version()}");
    }

    /// <summary>Sums <paramref name="count"/> floats in place across the ranks, in chunks of <see cref="ChunkElements"/>.</summary>
    public void AllReduceSum(float* values, long count, string what)
    {
        if (!IsDistributed) return;
        for (long start = 0; start < count; start += ChunkElements)
            Wait(() =>
            {
                Check(MPI_Iallreduce(InPlace, values + start, (int)Math.Min(ChunkElements, count - start), Float, Sum, CommWorld, out var request), "MPI_Iallreduce");
                return request;
            }, what);
    }

    /// <summary>Sums doubles in place across the ranks.</summary>
    public void AllReduceSum(double[] values, string what)
    {
        if (!IsDistributed) return;
        fixed (double* p = values)
        {
            var pointer = p;
            Wait(() =>
            {
                Check(MPI_Iallreduce(InPlace, pointer, values.Length, MpiLibrary.Double, Sum, CommWorld, out var request), "MPI_Iallreduce");
                return request;
            }, what);
        }
    }

    /// <summary>Waits until every rank has arrived (e.g. rank 0's checkpoint is on disk).</summary>
    public void Barrier(string what)
    {
        if (!IsDistributed) return;
        Wait(() =>
        {
            Check(MPI_Ibarrier(CommWorld, out var request), "MPI_Ibarrier");
            return request;
        }, what);
    }

    static volatile bool failed;

    /// <summary>This rank is ending with an error: it leaves without MPI_Finalize, which would wait for ranks that may be gone.</summary>
    public static void Failed() => failed = true;

    void Wait(Func<int> start, string what)
    {
        // MPICH moves a non-blocking collective forward inside MPI_Test, so it is polled without sleeping (as a blocking
        // MPI_Allreduce polls): a 1 ms sleep between polls cut the rate to 0.08 GB/s.
        var request = start();
        var clock = Stopwatch.StartNew();
        for (var polls = 1L; ; polls++)
        {
            Check(MPI_Test(ref request, out var done, StatusIgnore), "MPI_Test");
            if (done != 0) return;
            if (polls % 4096 == 0 && clock.Elapsed > Timeout)
                throw new DataParallelException($"rank {Rank} of {Size}: no answer from the other ranks for {Timeout.TotalSeconds:F0} s in {what} (a rank died or hangs; {TimeoutVariable} sets the wait).");
        }
    }

    static void Check(int code, string call)
    {
        if (code != Success) throw new DataParallelException($"{call} failed: {ErrorText(code)}");
    }
}
