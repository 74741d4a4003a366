using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.StableDiffusion;

/// <summary>
/// LoRA settings as diffusers' Diffusion-DPO example sets them (train_diffusion_dpo.py: rank 4, alpha = rank, Gaussian
/// init, targets to_q / to_k / to_v / to_out.0 of every UNet attention).
/// </summary>
/// <param name="Rank">r, the adapters' inner width.</param>
/// <param name="Alpha">α; the update is scaled by α / r.</param>
/// <param name="Seed">Seeds the adapters' A matrices (their own generator, not torch's global one), so that a run and its resumed twin start from the same adapters.</param>
public sealed record LoraConfig(int Rank = 4, double Alpha = 4, long Seed = 0)
{
    public double Scale => Alpha / Rank;

    public void Validate()
    {
        if (Rank < 1) throw new ArgumentOutOfRangeException(nameof(Rank), Rank, "LoRA rank must be at least 1.");
        if (!(Alpha > 0)) throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "LoRA alpha must be positive.");
    }
}

/// <summary>
/// A low-rank update beside a frozen linear layer (Hu et al. 2021): y = W·x + (α/r)·B·A·x with A (r × in) drawn from
/// N(0, 1/r) and B (out × r) zero, so training starts from the base model exactly (peft's "gaussian" init). With
/// <see cref="Enabled"/> false the layer is the base layer again — the DPO reference without a second UNet.
/// </summary>
public sealed class LoraAdapter : Module<Tensor, Tensor>
{
    readonly TorchSharp.Modules.Linear lora_A;
    readonly TorchSharp.Modules.Linear lora_B;
    readonly double scale;

    /// <param name="generator">Draws A (N(0, 1/r)); adapters built in a fixed order from one seeded generator are reproducible.</param>
    public LoraAdapter(long inFeatures, long outFeatures, LoraConfig config, TorchSharp.torch.Generator generator) : base(nameof(LoraAdapter))
    {
        config.Validate();
        lora_A = Linear(inFeatures, config.Rank, hasBias: false);
        lora_B = Linear(config.Rank, outFeatures, hasBias: false);
        Reset(generator);
        scale = config.Scale;
        RegisterComponents();
    }

    public bool Enabled { get; set; } = true;

    /// <summary>(α/r)·B·A·x (the caller adds it only while <see cref="Enabled"/>).</summary>
    public override Tensor forward(Tensor x) => Torch.Autocast.Linear(lora_B, Torch.Autocast.Linear(lora_A, x)) * scale;

    /// <summary>This adapter as diffusers' file holds it: down = A, up = (α/r)·B (copies).</summary>
    public LoraLayer Layer()
    {
        using var noGrad = no_grad();
        using var b = lora_B.weight.detach();
        return new LoraLayer(lora_A.weight.detach().clone(), b * scale);
    }

    /// <summary>Sets A = down and B = up / (α/r): the adapter computes up·down·x; the ranks must agree.</summary>
    public void Load(LoraLayer layer, string module)
    {
        if (layer.Down.shape[0] != lora_A.weight.shape[0] || layer.Down.shape[1] != lora_A.weight.shape[1] || layer.Up.shape[0] != lora_B.weight.shape[0])
            throw new ArgumentException($"LoRA layer {module}: down {string.Join("×", layer.Down.shape)} / up {string.Join("×", layer.Up.shape)} do not fit this adapter (A {string.Join("×", lora_A.weight.shape)}, B {string.Join("×", lora_B.weight.shape)}).");
        using var noGrad = no_grad();
        using var b = layer.Up / scale;
        lora_A.weight.copy_(layer.Down);
        lora_B.weight.copy_(b);
    }

    /// <summary>Fresh adapters, as at construction: A drawn from N(0, 1/r) with <paramref name="generator"/>, B = 0.</summary>
    public void Reset(TorchSharp.torch.Generator generator)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        lora_A.weight.copy_(randn(lora_A.weight.shape, generator: generator) / lora_A.weight.shape[0]);
        init.zeros_(lora_B.weight);
    }

    /// <summary>ΔW = (α/r)·B·A (out × in), what merging adds to the base weight.</summary>
    public Tensor Delta()
    {
        using var noGrad = no_grad();
        return lora_B.weight.matmul(lora_A.weight) * scale;
    }
}
