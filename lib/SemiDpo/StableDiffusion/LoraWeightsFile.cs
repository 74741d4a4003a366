using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.StableDiffusion;

/// <summary>
/// One adapted layer's low-rank update ΔW = <see cref="Up"/>·<see cref="Down"/> (out × in), the scale α/r folded into
/// <see cref="Up"/>: diffusers' lora.down (r × in) and lora.up (out × r).
/// </summary>
public sealed record LoraLayer(Tensor Down, Tensor Up)
{
    public long Rank => Down.shape[0];
}

/// <summary>
/// LoRA weights in the file diffusers' <c>load_lora_weights</c> reads and the official <c>train.py</c> writes
/// (<c>save_lora_weights</c> → <c>pytorch_lora_weights.safetensors</c>): per adapted UNet layer
/// <c>unet.{module}.lora.down.weight</c> and <c>unet.{module}.lora.up.weight</c>, no alpha keys (α/r is folded into up,
/// so diffusers' default scale 1 gives W + up·down exactly, as the official alpha = rank does). Reads that form with or
/// without the <c>unet.</c> prefix, peft's <c>lora_A</c> / <c>lora_B</c> names, and <c>.alpha</c> entries (scale α/r).
/// </summary>
public static class LoraWeightsFile
{
    public const string FileName = "pytorch_lora_weights.safetensors";

    /// <summary>Writes <paramref name="layers"/> (by UNet module name, e.g. down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q) atomically, in float32.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, LoraLayer> layers)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (module, layer) in layers)
        {
            tensors[$"unet.{module}.lora.down.weight"] = layer.Down.to_type(ScalarType.Float32);
            tensors[$"unet.{module}.lora.up.weight"] = layer.Up.to_type(ScalarType.Float32);
        }
        SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>The layers of a LoRA file (a folder means its <see cref="FileName"/>), by UNet module name; one-line errors for anything else.</summary>
    public static Dictionary<string, LoraLayer> Read(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: LoRA file not found.");
        var down = new Dictionary<string, Tensor>();
        var up = new Dictionary<string, Tensor>();
        var alpha = new Dictionary<string, double>();
        var read = SafeTensors.Read(path, ScalarType.Float32);
        foreach (var (key, tensor) in read)
        {
            var name = key.StartsWith("unet.", StringComparison.Ordinal) ? key["unet.".Length..] : key;
            if (name.StartsWith("text_encoder", StringComparison.Ordinal) || name.StartsWith("lora_te", StringComparison.Ordinal))
                throw new InvalidDataException($"{path}: '{key}' adapts the text encoder; only UNet LoRA is supported.");
            if (Strip(name, ".lora.down.weight", ".lora_A.weight") is { } d) down[d] = tensor;
            else if (Strip(name, ".lora.up.weight", ".lora_B.weight") is { } u) up[u] = tensor;
            else if (Strip(name, ".alpha") is { } a) alpha[a] = tensor.to_type(ScalarType.Float64).item<double>();   // a 0-d tensor
            else throw new InvalidDataException($"{path}: '{key}' is not a LoRA weight (expected unet.<module>.lora.down/up.weight or lora_A/lora_B).");
        }
        if (down.Count == 0) throw new InvalidDataException($"{path}: no LoRA weights.");
        var layers = new Dictionary<string, LoraLayer>();
        try
        {
            foreach (var (module, a) in down)
            {
                if (!up.Remove(module, out var b)) throw new InvalidDataException($"{path}: '{module}' has lora.down but no lora.up.");
                if (a.dim() != 2 || b.dim() != 2 || b.shape[1] != a.shape[0])
                    throw new InvalidDataException($"{path}: '{module}': down {Shape(a)} and up {Shape(b)} are not r × in and out × r.");
                var scale = alpha.TryGetValue(module, out var al) ? al / a.shape[0] : 1.0;
                layers[module] = new LoraLayer(a, scale == 1.0 ? b : b * scale);
            }
            if (up.Count > 0) throw new InvalidDataException($"{path}: '{up.Keys.First()}' has lora.up but no lora.down.");
            return layers;
        }
        finally
        {
            var kept = layers.Values.SelectMany(l => new[] { l.Down, l.Up }).ToHashSet(ReferenceEqualityComparer.Instance);
            foreach (var tensor in read.Values.Where(t => !kept.Contains(t))) tensor.Dispose();   // alphas, scaled-away ups, or all on error
        }
    }

    static string? Strip(string name, params string[] suffixes) =>
        suffixes.FirstOrDefault(s => name.EndsWith(s, StringComparison.Ordinal)) is { } suffix ? name[..^suffix.Length] : null;

    static string Shape(Tensor t) => string.Join(" × ", t.shape);
}
