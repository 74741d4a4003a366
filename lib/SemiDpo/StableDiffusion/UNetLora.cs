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

    /// <summary>Every adapter as diffusers' LoRA file names it (module → down, up with α/r folded in).</summary>
    public static Dictionary<string, LoraLayer> LoraLayers(this UNet2DConditionModel unet) =>
        Attentions(unet).SelectMany(a => a.Attention.Adapters().Select(p => (Module: $"{a.Prefix}.{p.Name}", p.Adapter)))
            .ToDictionary(p => p.Module, p => p.Adapter.Layer());

    /// <summary>
    /// Sets every adapter from <paramref name="layers"/> (a LoRA file's, <see cref="LoraWeightsFile.Read"/>): each adapted
    /// layer must be in it with the adapters' rank, and it may name no other layer.
    /// </summary>
    public static void LoadLora(this UNet2DConditionModel unet, IReadOnlyDictionary<string, LoraLayer> layers, string source)
    {
        var used = 0;
        foreach (var (prefix, attention) in Attentions(unet))
        foreach (var (name, _, adapter) in attention.Adapters())
        {
            var module = $"{prefix}.{name}";
            if (!layers.TryGetValue(module, out var layer)) throw new ArgumentException($"{source}: no LoRA weights for {module}.");
            adapter.Load(layer, module);
            used++;
        }
        if (used < layers.Count)
        {
            var adapted = Attentions(unet).SelectMany(a => a.Attention.Adapters().Select(p => $"{a.Prefix}.{p.Name}")).ToHashSet();
            throw new ArgumentException($"{source}: '{layers.Keys.First(k => !adapted.Contains(k))}' is not a layer LoRA adapts here (to_q / to_k / to_v / to_out.0 of the UNet's attentions).");
        }
    }

    /// <summary>
    /// The official iteration rule: every adapter's update is merged into the weight it adapts (W ← W + ΔW) and the
    /// adapters start afresh (A drawn from <paramref name="generator"/>, B = 0), so the model is unchanged and its
    /// adapters-off view is now this model.
    /// </summary>
    public static void FuseLora(this UNet2DConditionModel unet, Generator generator)
    {
        using var noGrad = no_grad();
        foreach (var (_, attention) in Attentions(unet))
        foreach (var (_, layer, adapter) in attention.Adapters())
        {
            using (var scope = NewDisposeScope()) layer.weight.add_(adapter.Delta().to_type(layer.weight.dtype));   // ΔW freed per layer (SD1.5: 375 MB in all)
            adapter.Reset(generator);
        }
    }

    static bool IsAdapterKey(string key) => key.Contains(".lora_", StringComparison.Ordinal);

    static IEnumerable<(string Prefix, Attention Attention)> Attentions(UNet2DConditionModel unet) =>
        unet.named_modules().Where(m => m.module is Attention).Select(m => (m.name, (Attention)m.module));
}
