using static TorchSharp.torch;

namespace SemiDpo.StableDiffusion;

/// <summary>LoRA on a <see cref="UNet2DConditionModel"/>: adding adapters to every attention, switching them, merging them.</summary>
public static class UNetLora
{
    /// <summary>
    /// Freezes every UNet weight and adds trainable adapters to to_q / to_k / to_v / to_out.0 of every attention, their
    /// A matrices drawn in module order from a generator seeded with <see cref="LoraConfig.Seed"/>.
    /// </summary>
    public static void AddLora(this UNet2DConditionModel unet, LoraConfig config)
    {
        config.Validate();
        foreach (var p in unet.parameters()) p.requires_grad = false;
        using var generator = new Generator((ulong)config.Seed);
        foreach (var (_, attention) in Attentions(unet)) attention.AddLora(config, generator);
    }

    public static bool HasLora(this UNet2DConditionModel unet) => Attentions(unet).Any(a => a.Attention.Adapters().Any());

    /// <summary>Switches every adapter on (the trained model) or off (the base model: the DPO reference).</summary>
    public static void SetLoraEnabled(this UNet2DConditionModel unet, bool enabled)
    {
        foreach (var (_, attention) in Attentions(unet))
        foreach (var (_, _, adapter) in attention.Adapters()) adapter.Enabled = enabled;
    }

    /// <summary>
    /// The UNet's weights under diffusers' names with every adapter merged (W + (α/r)·B·A) and no adapter keys: what a
    /// diffusers folder holds, loadable by any SD pipeline without LoRA support.
    /// </summary>
    public static Dictionary<string, Tensor> MergedStateDict(this UNet2DConditionModel unet)
    {
        using var noGrad = no_grad();
        var merged = unet.state_dict().Where(p => !IsAdapterKey(p.Key)).ToDictionary(p => p.Key, p => p.Value);
        foreach (var (prefix, attention) in Attentions(unet))
        foreach (var (name, layer, adapter) in attention.Adapters())
            merged[$"{prefix}.{name}.weight"] = layer.weight + adapter.Delta().to_type(layer.weight.dtype);
        return merged;
    }

    static bool IsAdapterKey(string key) => key.Contains(".lora_", StringComparison.Ordinal);

    static IEnumerable<(string Prefix, Attention Attention)> Attentions(UNet2DConditionModel unet) =>
        unet.named_modules().Where(m => m.module is Attention).Select(m => (m.name, (Attention)m.module));
}
