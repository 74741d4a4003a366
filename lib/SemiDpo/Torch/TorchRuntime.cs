using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace SemiDpo.Torch;

/// <summary>What <see cref="TorchRuntime.Init"/> found and did.</summary>
public sealed record TorchRuntimeReport(
    string Compat,
    string? NativeFolder,
    string? LibStdCxx,
    string LibTorchVersion,
    string TorchSharpVersion,
    string Backend,
    Device Device,
    int Threads,
    string OneDnn,
    string OmpWaitPolicy,
    string Malloc)
{
    public override string ToString() =>
        $"TorchSharp {TorchSharpVersion} (libtorch {LibTorchVersion}, {Backend} build) | device {Device} | threads {Threads} | " +
        $"OMP_WAIT_POLICY {OmpWaitPolicy} | oneDNN {OneDnn} | malloc {Malloc} | compat: {Compat}";
}

/// <summary>Raised when libtorch cannot be loaded; the message says what was tried.</summary>
public sealed class TorchRuntimeException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The single native-runtime entry point. Makes TorchSharp load on systems whose libstdc++ lacks GLIBCXX_3.4.32
/// (Debian 12) and does nothing elsewhere. It runs automatically when this library is loaded (module initializer)
/// and again, cheaply, from <see cref="Init"/>, which also returns what it did.
/// </summary>
public static class TorchRuntime
{
    static readonly Lock Gate = new();
    static string? compat;
    static string? nativeFolder;
    static string? libStdCxx;
    static string? oneDnn;
    static string? ompWaitPolicy;
    static string? malloc;
    static Exception? compatFailure;
    static TorchRuntimeReport? report;

#pragma warning disable CA2255 // The native runtime must be prepared before any TorchSharp call, whoever makes it.
    [ModuleInitializer]
    internal static void PrepareOnLoad() => EnsureNativeCompat();
#pragma warning restore CA2255

    /// <summary>Prepares the native libraries (idempotent, never throws: a failure is reported by <see cref="Init"/>).</summary>
    public static void EnsureNativeCompat()
    {
        lock (Gate)
        {
            if (compat is not null) return;
            try
            {
                ompWaitPolicy = OpenMpDefaults.Apply();
                malloc = MallocDefaults.Apply();
                compat = PrepareNatives();
                // When the natives were preloaded (Debian 12), switch oneDNN off before any TorchSharp call.
                if (nativeFolder is not null) oneDnn = ApplyBackendDefaults();
            }
            catch (Exception e)
            {
                compatFailure = e;
                compat = $"failed: {e.Message}";
            }
        }
    }

    /// <summary>Prepares libtorch, loads it, and reports version, device and threads. Throws <see cref="TorchRuntimeException"/> when torch cannot run.</summary>
    public static TorchRuntimeReport Init()
    {
        EnsureNativeCompat();
        lock (Gate)
        {
            if (report is not null) return report;
            try
            {
                var threads = get_num_threads();
                if (oneDnn is null || oneDnn.StartsWith("unchanged", StringComparison.Ordinal)) oneDnn = ApplyBackendDefaults();
                report = new TorchRuntimeReport(compat!, nativeFolder, libStdCxx, __version__,
                    typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "?",
                    TorchBackend.Current.Name, TorchDevice.Default(), threads, oneDnn, ompWaitPolicy ?? "default", malloc ?? "default");
                return report;
            }
            catch (Exception e)
            {
                throw new TorchRuntimeException(
                    $"libtorch could not be loaded. Native compat step: {compat}; native folder: {nativeFolder ?? "not found"}; " +
                    $"libstdc++: {libStdCxx ?? "not found"}. Cause: {e.Message}", compatFailure ?? e);
            }
        }
    }

    /// <summary>oneDNN for forwards only (<see cref="OneDnnSwitch"/>); NNPACK off (unsupported on many server CPUs, where it warns at every convolution).</summary>
    static string ApplyBackendDefaults()
    {
        LibTorchContext.Set(LibTorchFlag.Nnpack, false);
        return OneDnnSwitch.ApplyDefault();
    }

    static string PrepareNatives()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return "not needed (not linux-x64)";
        libStdCxx = SystemLibStdCxx.Locate();
        if (libStdCxx is not null && SystemLibStdCxx.Defines(libStdCxx, GlibcxxCompatPatch.RequiredVersion))
            return $"not needed ({Path.GetFileName(libStdCxx)} defines {GlibcxxCompatPatch.RequiredVersion})";

        nativeFolder = NativeLibraryFolder.Locate(typeof(TorchSharp.torch).Assembly, TorchBackend.Current);
        if (nativeFolder is null)
            return $"needed but {NativeLibraryFolder.LibTorchSharp} was not found next to the program or in the NuGet cache";
        var outcome = GlibcxxCompatPatch.Apply(Path.Combine(nativeFolder, NativeLibraryFolder.LibTorchSharp));
        NativeLibraryFolder.Preload(nativeFolder);
        return outcome switch
        {
            PatchOutcome.Patched => $"patched {GlibcxxCompatPatch.RequiredVersion} to weak and preloaded",
            PatchOutcome.AlreadyPatched => "already patched, preloaded",
            _ => $"preloaded ({NativeLibraryFolder.LibTorchSharp} does not ask for {GlibcxxCompatPatch.RequiredVersion})",
        };
    }
}
