using System.Reflection;
using System.Runtime.InteropServices;

namespace SemiDpo.Distributed;

/// <summary>
/// The few calls of MPI's C API that data-parallel training needs, bound to an MPI with MPICH's ABI: MPICH itself
/// (Debian's <c>mpich</c>, libmpich.so.12) and the MPIs that keep its ABI (Intel MPI, MVAPICH, Cray MPICH:
/// libmpi.so.12), whose handles are plain integers with the values below (<c>mpi.h</c> of MPICH 4.0).
/// <c>SEMIDPO_MPI_LIBRARY</c> names another library file. Open MPI's ABI (handles are pointers) is not bound.
/// </summary>
internal static unsafe partial class MpiLibrary
{
    const string Name = "semidpo-mpi";
    public const string LibraryVariable = "SEMIDPO_MPI_LIBRARY";

    public const int CommWorld = 0x44000000;
    public const int Float = 0x4c00040a;
    public const int Double = 0x4c00080b;
    public const int Sum = 0x58000003;
    public const int ErrorsReturn = 0x54000001;
    public const int InfoNull = 0x1c000000;
    public const int CommTypeShared = 1;
    public const int ThreadSerialized = 2;
    public const int Success = 0;
    public static readonly void* InPlace = (void*)-1;
    public static readonly void* StatusIgnore = (void*)1;

    static MpiLibrary() => NativeLibrary.SetDllImportResolver(typeof(MpiLibrary).Assembly, Resolve);

    /// <summary>The library file that was loaded (after the first call).</summary>
    public static string? Loaded { get; private set; }

    static IntPtr Resolve(string library, Assembly assembly, DllImportSearchPath? path)
    {
        if (library != Name) return IntPtr.Zero;
        var candidates = Environment.GetEnvironmentVariable(LibraryVariable) is { Length: > 0 } chosen
            ? [chosen]
            : new[] { "libmpich.so.12", "libmpi.so.12" };
        foreach (var candidate in candidates)
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                Loaded = candidate;
                return handle;
            }
        throw new DllNotFoundException($"no MPI with MPICH's ABI found ({string.Join(", ", candidates)}): install MPICH (Debian: apt-get install mpich) or set {LibraryVariable}.");
    }

    [LibraryImport(Name)] public static partial int MPI_Initialized(out int flag);
    [LibraryImport(Name)] public static partial int MPI_Finalized(out int flag);
    [LibraryImport(Name)] public static partial int MPI_Init_thread(void* argc, void* argv, int required, out int provided);
    [LibraryImport(Name)] public static partial int MPI_Finalize();
    [LibraryImport(Name)] public static partial int MPI_Comm_set_errhandler(int comm, int handler);
    [LibraryImport(Name)] public static partial int MPI_Comm_rank(int comm, out int rank);
    [LibraryImport(Name)] public static partial int MPI_Comm_size(int comm, out int size);
    [LibraryImport(Name)] public static partial int MPI_Comm_split_type(int comm, int type, int key, int info, out int result);
    [LibraryImport(Name)] public static partial int MPI_Iallreduce(void* send, void* receive, int count, int type, int op, int comm, out int request);
    [LibraryImport(Name)] public static partial int MPI_Ibarrier(int comm, out int request);
    [LibraryImport(Name)] public static partial int MPI_Ibcast(void* buffer, int count, int type, int root, int comm, out int request);
    [LibraryImport(Name)] public static partial int MPI_Test(ref int request, out int flag, void* status);
    [LibraryImport(Name)] public static partial int MPI_Error_string(int code, byte* text, out int length);
    [LibraryImport(Name)] public static partial int MPI_Get_library_version(byte* text, out int length);

    /// <summary>MPI's text for an error code.</summary>
    public static string ErrorText(int code)
    {
        var text = stackalloc byte[1024];   // MPI_MAX_ERROR_STRING is 512 in MPICH 4.0; room for others
        return MPI_Error_string(code, text, out var length) == Success ? System.Text.Encoding.ASCII.GetString(text, length).Trim() : $"MPI error {code}";
    }

    /// <summary>The MPI library's version line (first line of MPI_Get_library_version).</summary>
    public static string Version()
    {
        var text = stackalloc byte[8192];
        return MPI_Get_library_version(text, out var length) == Success
            ? System.Text.Encoding.ASCII.GetString(text, length).Split('\n')[0].Trim()
            : "unknown";
    }
}
