using SemiDpo.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace SemiDpo.Pretrained;

/// <summary>Weights files of either format, and modules placed for use.</summary>
public static class StateDictFile
{
    /// <summary>The tensors of a .safetensors file, or of a pickled PyTorch checkpoint read without running code (<see cref="TorchPickle"/>).</summary>
    public static Dictionary<string, Tensor> Read(string path) =>
        path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? SafeTensors.Read(path) : TorchPickle.ReadStateDict(path);

    /// <summary>Moves a module to <paramref name="dtype"/> and <paramref name="device"/>; a frozen one is put in eval mode without gradients.</summary>
    public static T Place<T>(T module, Device device, ScalarType dtype, bool frozen) where T : nn.Module
    {
        module.to(dtype);
        module.to(device);
        if (!frozen) return module;
        module.eval();
        foreach (var p in module.parameters()) p.requires_grad = false;
        return module;
    }
}
