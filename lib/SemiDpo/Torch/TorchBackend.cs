namespace SemiDpo.Torch;

/// <summary>The native libtorch flavour this build of the library references (MSBuild property <c>TorchBackend</c>).</summary>
/// <param name="Name">cpu or cuda.</param>
/// <param name="LibTorchPackagePattern">Folder pattern of the libtorch native packages in the NuGet cache.</param>
/// <param name="LibTorchVersion">Version of those packages.</param>
/// <param name="ConsolidatedFolder">Folder next to TorchSharp.dll where notebooks gather the natives (TorchSharp's own name).</param>
public sealed record TorchBackend(string Name, string LibTorchPackagePattern, string LibTorchVersion, string ConsolidatedFolder)
{
    public static TorchBackend Cpu { get; } = new("cpu", "libtorch-cpu-linux-x64", "2.10.0", "cpu");
    public static TorchBackend Cuda { get; } = new("cuda", "libtorch-cuda-12.8-linux-x64*", "2.10.0", "cuda-12.8");

#if TORCH_CUDA
    public static TorchBackend Current => Cuda;
#else
    public static TorchBackend Current => Cpu;
#endif
}
