using SemiDpo.Pretrained;

namespace SemiDpo.StableDiffusion;

/// <summary>
/// A diffusers pipeline folder (runwayml/stable-diffusion-v1-5 layout): model_index.json, unet/, vae/, text_encoder/,
/// tokenizer/, scheduler/scheduler_config.json: where each component's config and weight files are
/// (<see cref="WeightFiles"/>).
/// </summary>
public sealed class DiffusersFolder
{
    public DiffusersFolder(string root, string? variant = null)
    {
        Root = Path.GetFullPath(root);
        Variant = variant;
        if (!Directory.Exists(Root)) throw new ModelFormatException($"{root}: no such folder (expected a diffusers pipeline folder with unet/, vae/, text_encoder/, tokenizer/, scheduler/).");
        foreach (var part in new[] { "unet", "vae", "text_encoder", "tokenizer", "scheduler" })
            if (!Directory.Exists(Path.Combine(Root, part))) throw new ModelFormatException($"{Root}: no {part}/ folder (a diffusers Stable Diffusion folder has unet/, vae/, text_encoder/, tokenizer/, scheduler/).");
    }

    public string Root { get; }
    public string? Variant { get; }

    public string Config(string component) => Path.Combine(Root, component, "config.json");
    public string SchedulerConfig => Path.Combine(Root, "scheduler", "scheduler_config.json");
    public string Tokenizer => Path.Combine(Root, "tokenizer");

    /// <summary>The weight files of a component whose files are named <paramref name="stem"/> (diffusion_pytorch_model, or model for transformers).</summary>
    public IReadOnlyList<string> Weights(string component, string stem) => WeightFiles.Find(Path.Combine(Root, component), stem, Variant);

    /// <summary>
    /// The files a pipeline needs, relative to <see cref="Root"/>: model_index.json and, per component it names (a
    /// [library, class] entry that is not null), the component folder's files that are not weights plus the weight
    /// files <see cref="Weights"/> picks (diffusers' diffusion_pytorch_model or transformers' model, in this variant).
    /// Without model_index.json: the five components Stable Diffusion loads.
    /// </summary>
    public IReadOnlyList<string> ExportFiles()
    {
        var index = Path.Combine(Root, "model_index.json");
        var components = File.Exists(index) ? ComponentsOf(index) : ["unet", "vae", "text_encoder", "tokenizer", "scheduler"];
        var files = File.Exists(index) ? new List<string> { "model_index.json" } : [];
        foreach (var component in components)
        {
            var folder = Path.Combine(Root, component);
            if (!Directory.Exists(folder)) throw new ModelFormatException($"{index}: names the component {component}, but {folder} is missing.");
            var all = Directory.GetFiles(folder, "*", SearchOption.AllDirectories);
            var weights = all.Where(IsWeightFile).ToList();
            var chosen = weights.Count == 0 ? [] : WeightsOf(folder, weights);
            files.AddRange(all.Where(f => !IsWeightFile(f)).Concat(chosen).Select(f => Path.GetRelativePath(Root, f)).Order(StringComparer.Ordinal));
        }
        return files;
    }

    IReadOnlyList<string> WeightsOf(string folder, IReadOnlyList<string> weights)
    {
        foreach (var stem in new[] { "diffusion_pytorch_model", "model" })
            if (weights.Any(w => Path.GetFileName(w).StartsWith(stem + ".", StringComparison.Ordinal)))
                return WeightFiles.Find(folder, stem, Variant).Concat(IndexOf(folder, stem)).ToList();
        return weights;   // another library's naming: keep them all
    }

    IEnumerable<string> IndexOf(string folder, string stem)
    {
        var index = Path.Combine(folder, Variant is null ? $"{stem}.safetensors.index.json" : $"{stem}.{Variant}.safetensors.index.json");
        return File.Exists(index) ? [index] : [];
    }

    static bool IsWeightFile(string path) =>
        path.EndsWith(".safetensors", StringComparison.Ordinal) || path.EndsWith(".bin", StringComparison.Ordinal) || path.EndsWith(".ckpt", StringComparison.Ordinal)
        || path.EndsWith(".pth", StringComparison.Ordinal) || path.EndsWith(".msgpack", StringComparison.Ordinal) || path.EndsWith(".onnx", StringComparison.Ordinal)
        || path.EndsWith(".h5", StringComparison.Ordinal) || path.EndsWith(".safetensors.index.json", StringComparison.Ordinal) || path.EndsWith(".bin.index.json", StringComparison.Ordinal);

    static IReadOnlyList<string> ComponentsOf(string index)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(index));
            return json.RootElement.EnumerateObject()
                .Where(p => p.Value.ValueKind == System.Text.Json.JsonValueKind.Array && p.Value.GetArrayLength() == 2
                    && p.Value[0].ValueKind == System.Text.Json.JsonValueKind.String)
                .Select(p => p.Name).ToList();
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ModelFormatException($"{index}: not valid JSON ({e.Message}).");
        }
    }
}
