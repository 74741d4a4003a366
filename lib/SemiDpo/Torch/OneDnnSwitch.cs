using System.Runtime.InteropServices;

namespace SemiDpo.Torch;

/// <summary>
/// libtorch's oneDNN (mkldnn) CPU convolution switch, as <c>torch.backends.mkldnn.enabled</c> in PyTorch; TorchSharp
/// 0.107 has no API for it, so this calls libtorch's <c>at::globalContext().setUserEnabledMkldnn(bool)</c>.
/// <para>
/// Why it matters: with libtorch 2.10 on AVX-512 CPUs (measured on an AMD EPYC, 2 threads) the oneDNN convolution
/// BACKWARD returns wrong input gradients in about half of the passes of a two-layer conv net (relative error ≈ 0.2
/// against float64; 3–7 of 600 passes non-finite), while the native backward matches float64 to 3e-7. The oneDNN
/// FORWARD is correct and 5–8× faster than the native one. Autograd picks the convolution backend when backward
/// runs, so the policy here is: oneDNN off by default (every backward is native and correct), and
/// <see cref="ForForward"/> turns it on around forwards only. <c>SEMIDPO_MKLDNN=1</c> keeps oneDNN on everywhere.
/// </para>
/// </summary>
public static class OneDnnSwitch
{
    public const string EnvironmentVariable = "SEMIDPO_MKLDNN";
    const string Library = "libtorch_cpu.so";
    const string GlobalContext = "_ZN2at13globalContextEv";
    const string SetEnabled = "_ZN2at7Context20setUserEnabledMkldnnEb";
    const string IsEnabled = "_ZNK2at7Context17userEnabledMkldnnEv";
    const int RtldLazy = 0x1, RtldNoLoad = 0x4;

    static bool KeepOn => Environment.GetEnvironmentVariable(EnvironmentVariable) == "1";

    /// <summary>
    /// Applies the default (off unless <c>SEMIDPO_MKLDNN=1</c>) and says what it did; "unchanged" while libtorch is not
    /// loaded yet or does not export the switch.
    /// </summary>
    public static string ApplyDefault() => Set(KeepOn) switch
    {
        null => "unchanged (libtorch not loaded or without the switch)",
        true => $"on everywhere ({EnvironmentVariable}=1)",
        false => "forward only (backward uses the native convolution: oneDNN's is wrong on some AVX-512 CPUs)",
    };

    /// <summary>Whether oneDNN is enabled now, or null when the switch is not available.</summary>
    public static bool? Enabled() => Call(static (context, _, get) => get(context) != 0);

    /// <summary>
    /// Turns oneDNN on until disposed, for forwards (with or without grad): the backward of a graph built inside runs
    /// after the scope, on the native convolution. Restores the previous state.
    /// </summary>
    public static IDisposable ForForward()
    {
        var previous = Enabled();
        if (previous is true or null) return new Scope(null);
        Set(true);
        return new Scope(previous);
    }

    /// <summary>Sets the switch and returns the resulting state, or null when unavailable.</summary>
    static bool? Set(bool enabled) => Call((context, set, get) =>
    {
        set(context, enabled ? (byte)1 : (byte)0);
        return get(context) != 0;
    });

    sealed class Scope(bool? restore) : IDisposable
    {
        public void Dispose()
        {
            if (restore is { } value) Set(value);
        }
    }

    [DllImport("libc", EntryPoint = "dlopen")]
    static extern nint dlopen([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int mode);

    static (nint Context, nint Set, nint Get)? resolved;

    static unsafe bool? Call(Func<nint, Action<nint, byte>, Func<nint, byte>, bool> use)
    {
        if (Resolve() is not { } found) return null;
        var set = (delegate* unmanaged<nint, byte, void>)found.Set;
        var get = (delegate* unmanaged<nint, byte>)found.Get;
        return use(found.Context, (c, v) => set(c, v), c => get(c));
    }

    /// <summary>libtorch's context and the two entry points, looked up once libtorch is in the process.</summary>
    static unsafe (nint Context, nint Set, nint Get)? Resolve()
    {
        if (resolved is not null) return resolved;
        nint handle;
        try
        {
            // Only the copy of libtorch_cpu already in the process: never load a second one (two copies abort).
            handle = dlopen(Library, RtldLazy | RtldNoLoad);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null; // not a glibc system
        }
        if (handle == 0
            || !NativeLibrary.TryGetExport(handle, GlobalContext, out var contextFn)
            || !NativeLibrary.TryGetExport(handle, SetEnabled, out var setFn)
            || !NativeLibrary.TryGetExport(handle, IsEnabled, out var getFn))
            return null;
        return resolved = (((delegate* unmanaged<nint>)contextFn)(), setFn, getFn);
    }
}
