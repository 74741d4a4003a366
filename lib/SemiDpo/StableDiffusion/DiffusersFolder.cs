using System.Text.Json;

namespace SemiDpo.StableDiffusion;

/// <summary>
/// A diffusers pipeline folder (runwayml/stable-diffusion-v1-5 layout): model_index.json, unet/, vae/, text_encoder/,
/// tokenizer/, scheduler/scheduler_config.json. Finds each component's config and weight files: one safetensors file,
/// a variant (<c>*.fp16.safetensors</c>), or shards listed in <c>*.safetensors.index.json</c>.
/// </summary>
public sealed class DiffusersFolder
{
    public DiffusersFolder(string root, string? variant = null)
    {
        Root = Path.GetFullPath(root);
        Variant = variant;
        if (!Directory.Exists(Root)) throw new DiffusersFormatException($"{root}: no such folder (expected a diffusers pipeline folder with unet/, vae/, text_encoder/, tokenizer/, scheduler/).");
        foreach (var part in new[] { "unet", "vae", "text_encoder", "tokenizer", "scheduler" })
            if (!Directory.Exists(Path.Combine(Root, part))) throw new DiffusersFormatException($"{Root}: no {part}/ folder (a diffusers Stable Diffusion folder has unet/, vae/, text_encoder/, tokenizer/, scheduler/).");
    }

    public string Root { get; }
    public string? Variant { get; }

    public string Config(string component) => Path.Combine(Root, component, "config.json");
    public string SchedulerConfig => Path.Combine(Root, "scheduler", "scheduler_config.json");
    public string Tokenizer => Path.Combine(Root, "tokenizer");

    /// <summary>The weight files of a component whose files are named <paramref name="stem"/> (diffusion_pytorch_model, or model for transformers).</summary>
    public IReadOnlyList<string> Weights(string component, string stem) => WeightFiles(Path.Combine(Root, component), stem, Variant);

    public static IReadOnlyList<string> WeightFiles(string folder, string stem, string? variant = null)
    {
        var name = variant is null ? $"{stem}.safetensors" : $"{stem}.{variant}.safetensors";
        var single = Path.Combine(folder, name);
        if (File.Exists(single)) return [single];
        var index = single + ".index.json";
        if (File.Exists(index)) return Shards(index);
        var found = Directory.Exists(folder) ? Directory.GetFiles(folder).Select(Path.GetFileName).Order().ToList() : [];
        if (variant is null && found.Count(f => f!.StartsWith(stem + ".") && f.EndsWith(".safetensors")) == 1)
            return [Path.Combine(folder, found.Single(f => f!.StartsWith(stem + ".") && f.EndsWith(".safetensors"))!)];
        var pickled = found.Any(f => f!.EndsWith(".bin") || f.EndsWith(".ckpt") || f.EndsWith(".pth"));
        throw new DiffusersFormatException($"{folder}: no {name}" +
            (pickled ? " (only pickled weights, which are not read: save them with safe_serialization=True)" : "") +
            $"; files here: {(found.Count == 0 ? "none" : string.Join(", ", found))}.");
    }

    static IReadOnlyList<string> Shards(string index)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(index));
            var folder = Path.GetDirectoryName(index)!;
            var files = json.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()!).Distinct().Order().ToList();
            foreach (var file in files.Where(f => !File.Exists(Path.Combine(folder, f))))
                throw new DiffusersFormatException($"{index}: lists shard {file}, which is missing.");
            return files.Select(f => Path.Combine(folder, f)).ToList();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new DiffusersFormatException($"{index}: not a safetensors index (expected {{\"weight_map\": {{name: file}}}}).");
        }
    }
}
