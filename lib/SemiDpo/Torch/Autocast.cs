using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SemiDpo.Torch;

/// <summary>
/// <c>torch.autocast</c> by hand, for mixed-precision training (TorchSharp 0.107 has no autocast): inside a scope
/// (<see cref="Enter"/>), the layers autocast runs in lower precision — convolutions (<see cref="Conv2dLayer"/>) and
/// linear layers (<see cref="Linear"/>) — cast their input, weight and bias to the scope's dtype, and the ones it runs in
/// float32 — group and layer norms (<see cref="Float32"/> on their input) — compute in float32; other ops follow type
/// promotion, as under autocast. The weights stay float32: they are the master weights, the casts are part of the
/// autograd graph, so each weight's gradient arrives in float32 and the optimizer steps in float32 — what accelerate's
/// <c>mixed_precision="bf16"</c> (the official Semi-DPO run) does. Scopes are per thread.
/// </summary>
public static class Autocast
{
    [ThreadStatic] static ScalarType? dtype;

    /// <summary>The lower-precision dtype of the current scope; null outside one.</summary>
    public static ScalarType? DType => dtype;

    /// <summary>Opens a scope that computes in <paramref name="type"/> (null: full precision) until disposed.</summary>
    public static Scope Enter(ScalarType? type)
    {
        var previous = dtype;
        dtype = type;
        return new Scope(previous);
    }

    /// <summary>x cast to the scope's dtype when x is floating point; x itself outside a scope.</summary>
    public static Tensor Lower(Tensor x) => dtype is { } type && x.is_floating_point() && x.dtype != type ? x.to_type(type) : x;

    /// <summary>x in float32 inside a scope (the input of an op autocast runs in float32); x itself outside one.</summary>
    public static Tensor Float32(Tensor x) => dtype is not null && x.is_floating_point() && x.dtype != ScalarType.Float32 ? x.to_type(ScalarType.Float32) : x;

    /// <summary>A linear layer's forward, in the scope's dtype inside a scope.</summary>
    public static Tensor Linear(Linear layer, Tensor x) =>
        dtype is null ? layer.forward(x) : F.linear(Lower(x), Lower(layer.weight!), layer.bias is null ? null : Lower(layer.bias));

    /// <summary>A one-tensor layer's forward, through <see cref="Linear(TorchSharp.Modules.Linear, Tensor)"/> when it is a linear layer.</summary>
    public static Tensor Forward(nn.Module<Tensor, Tensor> layer, Tensor x) => layer is Linear linear ? Linear(linear, x) : layer.forward(x);

    /// <summary>Restores the previous scope's dtype when disposed.</summary>
    public readonly struct Scope(ScalarType? previous) : IDisposable
    {
        public void Dispose() => dtype = previous;
    }
}
