using System.Runtime.InteropServices;

namespace SemiDpo.Torch;

/// <summary>A backend switch of libtorch's global context (what torch.backends.*.enabled sets in PyTorch).</summary>
public enum LibTorchFlag
{
    /// <summary>oneDNN (mkldnn) CPU kernels: at::Context::setUserEnabledMkldnn.</summary>
    Mkldnn,
    /// <summary>NNPACK CPU convolutions: at::Context::setUserEnabledNNPACK.</summary>
    Nnpack,
}

/// <summary>
/// Reads and sets switches of libtorch's <c>at::globalContext()</c>, which TorchSharp 0.107 does not expose, by calling
/// the exported C++ functions of the libtorch_cpu already loaded in the process (never loading a second copy).
/// Every call returns null when libtorch is not loaded yet or lacks the function.
/// </summary>
public static class LibTorchContext
{
    const string Library = "libtorch_cpu.so";
    const string GlobalContext = "_ZN2at13globalContextEv";
    const int RtldLazy = 0x1, RtldNoLoad = 0x4;

    static readonly Dictionary<LibTorchFlag, (string Set, string Get)> Symbols = new()
    {
        [LibTorchFlag.Mkldnn] = ("_ZN2at7Context20setUserEnabledMkldnnEb", "_ZNK2at7Context17userEnabledMkldnnEv"),
        [LibTorchFlag.Nnpack] = ("_ZN2at7Context20setUserEnabledNNPACKEb", "_ZNK2at7Context17userEnabledNNPACKEv"),
    };

    static readonly Lock Gate = new();
    static nint handle;
    static nint context;
    static readonly Dictionary<string, nint> Functions = [];

    public static unsafe bool? Get(LibTorchFlag flag)
    {
        var get = Function(Symbols[flag].Get);
        return get == 0 ? null : ((delegate* unmanaged<nint, byte>)get)(context) != 0;
    }

    /// <summary>Sets the flag and returns its new value (null when unavailable).</summary>
    public static unsafe bool? Set(LibTorchFlag flag, bool enabled)
    {
        var set = Function(Symbols[flag].Set);
        if (set == 0) return null;
        ((delegate* unmanaged<nint, byte, void>)set)(context, enabled ? (byte)1 : (byte)0);
        return Get(flag);
    }

    static unsafe nint Function(string symbol)
    {
        lock (Gate)
        {
            if (Functions.TryGetValue(symbol, out var known)) return known;
            if (handle == 0)
            {
                try
                {
                    handle = dlopen(Library, RtldLazy | RtldNoLoad);
                }
                catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
                {
                    return 0; // not a glibc system
                }
                if (handle == 0 || !NativeLibrary.TryGetExport(handle, GlobalContext, out var contextFn)) return handle = 0;
                context = ((delegate* unmanaged<nint>)contextFn)();
            }
            return Functions[symbol] = NativeLibrary.TryGetExport(handle, symbol, out var function) ? function : 0;
        }
    }

    [DllImport("libc", EntryPoint = "dlopen")]
    static extern nint dlopen([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int mode);
}
