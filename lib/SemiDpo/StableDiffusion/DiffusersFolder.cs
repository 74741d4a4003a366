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
}
