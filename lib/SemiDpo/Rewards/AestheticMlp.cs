using SemiDpo.Pretrained;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.Rewards;

/// <summary>
/// The LAION aesthetic predictor's head (the official code's MLP): Linear(d, 1024) → Dropout → Linear(1024, 128) →
/// Dropout → Linear(128, 64) → Dropout → Linear(64, 16) → Linear(16, 1); keys layers.0 … layers.7 as in its .pth.
/// </summary>
public sealed class AestheticMlp : Module<Tensor, Tensor>
{
    readonly TorchSharp.Modules.ModuleList<Module<Tensor, Tensor>> layers;   // the checkpoint's key prefix

    public AestheticMlp(int input = 768) : base(nameof(AestheticMlp))
    {
        layers = ModuleList<Module<Tensor, Tensor>>(Linear(input, 1024), Dropout(0.2), Linear(1024, 128), Dropout(0.2),
            Linear(128, 64), Dropout(0.1), Linear(64, 16), Linear(16, 1));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => layers.Aggregate(x, (h, layer) => layer.forward(h));

    /// <summary>The MLP of a .pth (read without running code) or .safetensors file; the input width is read off the file.</summary>
    public static AestheticMlp Load(string path, Device device)
    {
        var tensors = StateDictFile.Read(path);
        var input = tensors.TryGetValue("layers.0.weight", out var first) ? (int)first.shape[1] : throw new ModelFormatException($"{path}: no layers.0.weight; not the aesthetic predictor's MLP.");
        var mlp = new AestheticMlp(input);
        ModuleWeights.Load(mlp, tensors, path);
        return StateDictFile.Place(mlp, device, ScalarType.Float32, frozen: true);
    }
}
