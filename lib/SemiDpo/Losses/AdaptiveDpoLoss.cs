using SemiDpo.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace SemiDpo.Losses;

/// <summary>How Adaptive-DPO turns the minority metric M into a pair weight (detached).</summary>
public enum MinorityWeighting
{
    /// <summary>w = 1 / (τ·M + b) (the authors' default).</summary>
    Linear,
    /// <summary>w = 1 / (τ·M² + b).</summary>
    Quadratic,
}

/// <summary>The margin Adaptive-DPO subtracts inside the sigmoid: γ = mean_batch(ℓ) − M/β (linear) or − M²/β (quadratic).</summary>
public enum MinorityMargin { None, Linear, Quadratic }

/// <summary>
/// Adaptive-DPO's settings: the run of the authors' README (fanfanffff1/Adaptive-DPO: EMA copies, logits normalised,
/// ρ 15, quadratic margin, linear weight with τ 10 and b 1) with the β of every other DPO-type row here (2500; the
/// authors' config default — their README run used 1000).
/// </summary>
/// <param name="Beta">β of the DPO term σ(β·ℓ − γ), ℓ = (e_ref(x^w) − e_ref(x^l)) − (e_θ(x^w) − e_θ(x^l)).</param>
/// <param name="Rho">ρ: the logits z_k = ρ·ℓ_k (after normalisation when <paramref name="NormalizeLogits"/>) that M is computed from.</param>
/// <param name="Temperature">τ of the weight.</param>
/// <param name="Intercept">b of the weight.</param>
/// <param name="UseEma">M from the policy and its two moving averages (decays <paramref name="EmaDecays"/>); without: M = 1 − σ(ρ·ℓ).</param>
/// <param name="EmaDecays">The two EMA decays (diffusers' EMAModel, whose decay ramps up as n/(9+n) before it reaches these).</param>
/// <param name="NormalizeLogits">Divide each model's ℓ over the micro-batch by its L2 norm before × ρ.</param>
/// <param name="WarmupSteps">Optimizer steps with M = 0 while the EMA copies warm up (the authors: 2 × accumulation micro-steps).</param>
public sealed record AdaptiveDpoConfig(
    double Beta = DiffusionDpoLoss.OfficialBeta,
    double Rho = 15,
    double Temperature = 10,
    double Intercept = 1,
    bool UseEma = true,
    (double Slow, double Fast) EmaDecays = default,
    bool NormalizeLogits = true,
    MinorityWeighting Weighting = MinorityWeighting.Linear,
    MinorityMargin Margin = MinorityMargin.Quadratic,
    int WarmupSteps = 2)
{
    public (double Slow, double Fast) Decays => EmaDecays == default ? (0.9999, 0.5) : EmaDecays;

    public void Validate()
    {
        if (!(Beta > 0)) throw new ArgumentOutOfRangeException(nameof(Beta), Beta, "β must be positive.");
        if (!(Rho > 0)) throw new ArgumentOutOfRangeException(nameof(Rho), Rho, "ρ must be positive.");
        if (!(Temperature >= 0) || !(Intercept > 0)) throw new ArgumentOutOfRangeException(nameof(Intercept), Intercept, "The weight 1/(τ·M + b) needs τ ≥ 0 and b > 0.");
        if (Decays.Slow is <= 0 or >= 1 || Decays.Fast is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(EmaDecays), EmaDecays, "EMA decays must be in (0, 1).");
        if (WarmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, "Warm-up steps must be ≥ 0.");
    }
}

/// <summary>
/// Adaptive-DPO (arXiv 2503.16921; the authors' dpo_train_un.py): Diffusion-DPO that down-weights the pairs its
/// minority metric flags. Per pair, ℓ = margin_ref − margin_θ (the Diffusion-DPO logit before β, Eq. 5) under the
/// policy and under two exponential moving averages of it; with z_k = ρ·ℓ_k,
/// M = |mean_k σ(z_k) − 1| · min(std_k z_k, 1) (0 during the first <see cref="AdaptiveDpoConfig.WarmupSteps"/> steps);
/// w = 1/(τ·M + b) and L = −w · log σ(β·ℓ − γ) with γ = mean_batch(ℓ) − M²/β, both detached. The implicit logit
/// reported for accuracy is z = β·ℓ. M is read from the models alone (the paper's "minority" = pairs the model
/// itself disagrees with); the annotator-based reading is not implemented.
/// </summary>
public sealed class AdaptiveDpoLoss : IStatefulPreferenceLoss
{
    readonly AdaptiveDpoConfig config;
    List<Tensor> slow = [], fast = [];
    long updates;

    public AdaptiveDpoLoss(AdaptiveDpoConfig? config = null)
    {
        this.config = config ?? new AdaptiveDpoConfig();
        this.config.Validate();
    }

    public AdaptiveDpoConfig Config => config;

    public string Name => $"Adaptive-DPO (β {config.Beta:G4}, ρ {config.Rho:G4}, τ {config.Temperature:G3}, b {config.Intercept:G3}" +
                          $"{(config.UseEma ? $", EMA {config.Decays.Slow:G4}/{config.Decays.Fast:G3}" : "")}{(config.NormalizeLogits ? ", normalised" : "")}, " +
                          $"{config.Weighting.ToString().ToLowerInvariant()} weight, {config.Margin.ToString().ToLowerInvariant()} margin)";

    public LossOutput Compute(IDiffusionModel policy, IDiffusionModel reference, Tensor winners, Tensor losers, Tensor tokens, Tensor t, Tensor noise)
    {
        // The averages' margins first: swapping their weights into the policy after its forward would invalidate the graph.
        var averaged = config.UseEma && updates >= config.WarmupSteps && slow.Count > 0;
        Tensor[] averageMargins;
        using (no_grad())
            averageMargins = averaged ? [UnderAverage(policy, slow, winners, losers, tokens, t, noise), UnderAverage(policy, fast, winners, losers, tokens, t, noise)] : [];
        var (policyError, referenceError) = DiffusionDpoLoss.PairErrors(policy, reference, winners, losers, tokens, t, noise);
        var p = policyError.chunk(2);
        var r = referenceError.chunk(2);
        var referenceMargin = r[0] - r[1];
        var ell = referenceMargin - (p[0] - p[1]);
        Tensor minority;
        using (no_grad())
        {
            if (!config.UseEma) minority = 1 - (config.Rho * ell.detach()).sigmoid();
            else if (!averaged) minority = zeros_like(ell);
            else minority = Minority(stack([ell.detach(), .. averageMargins.Select(m => referenceMargin - m)]), config.Rho, config.NormalizeLogits);
        }
        return new LossOutput(config.Beta * ell, Of(ell, minority).mean()) { PolicyErrors = policyError, ReferenceErrors = referenceError };
    }

    /// <summary>
    /// The per-pair loss from ℓ (B, differentiable) and the minority metric M (B, detached):
    /// −w·log σ(β·ℓ − γ), w = 1/(τ·M + b) (or τ·M²), γ = mean(ℓ) − M/β (or M²/β; 0 without a margin).
    /// </summary>
    public Tensor Of(Tensor ell, Tensor minority)
    {
        var m = minority.detach();
        var weight = 1 / (config.Temperature * (config.Weighting == MinorityWeighting.Quadratic ? m * m : m) + config.Intercept);
        var logit = config.Beta * ell;
        if (config.Margin != MinorityMargin.None)
            logit = logit - (ell.detach().mean() - (config.Margin == MinorityMargin.Quadratic ? m * m : m) / config.Beta);
        return weight * nn.functional.softplus(-logit);
    }

    /// <summary>
    /// M = |mean_k σ(ρ·ℓ_k) − 1| · min(std_k ρ·ℓ_k, 1) over the models k (rows of <paramref name="ells"/>, (K, B)); with
    /// <paramref name="normalize"/>, each row is first divided by its L2 norm (the authors' use_logits_normalization).
    /// std is the unbiased one over the K models, as torch.std. A row that is all zero (a model equal to the
    /// reference) stays zero instead of the authors' 0/0.
    /// </summary>
    public static Tensor Minority(Tensor ells, double rho, bool normalize)
    {
        var z = rho * (normalize ? ells / ells.norm(1, keepdim: true).clamp_min(1e-30) : ells);
        return (z.sigmoid().mean([0]) - 1).abs() * z.std(0).clamp_max(1);
    }

    /// <summary>diffusers' EMAModel decay at its n-th update: 0 at the first (a copy), then min(n / (9 + n), decay).</summary>
    public static double Decay(long n, double decay) => n <= 1 ? 0 : Math.Min(n / (9.0 + n), decay);

    /// <summary>One margin e(x^w) − e(x^l) per pair with the policy's trained parameters swapped for an average's.</summary>
    static Tensor UnderAverage(IDiffusionModel policy, List<Tensor> average, Tensor winners, Tensor losers, Tensor tokens, Tensor t, Tensor noise)
    {
        var parameters = Trained(policy);
        var kept = parameters.Select(q => q.detach().clone()).ToList();
        try
        {
            for (var i = 0; i < parameters.Count; i++) parameters[i].detach().copy_(average[i]);
            return DiffusionDpoLoss.Margin(policy, winners, losers, tokens, t, noise);
        }
        finally
        {
            for (var i = 0; i < parameters.Count; i++) parameters[i].detach().copy_(kept[i]);
            foreach (var k in kept) k.Dispose();
        }
    }

    static List<TorchSharp.Modules.Parameter> Trained(IDiffusionModel policy) => policy.Network.parameters().Where(q => q.requires_grad).ToList();

    public void Start(IDiffusionModel policy)
    {
        Release();
        updates = 0;
        if (!config.UseEma) return;
        using (no_grad())
        {
            slow = Trained(policy).Select(q => q.detach().clone().DetachFromDisposeScope()).ToList();
            fast = Trained(policy).Select(q => q.detach().clone().DetachFromDisposeScope()).ToList();
        }
    }

    public void AfterOptimizerStep(IDiffusionModel policy)
    {
        updates++;
        if (!config.UseEma) return;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var parameters = Trained(policy);
        foreach (var (average, decay) in new[] { (slow, Decay(updates, config.Decays.Slow)), (fast, Decay(updates, config.Decays.Fast)) })
            for (var i = 0; i < parameters.Count; i++)
                average[i].sub_((1 - decay) * (average[i] - parameters[i].detach()));
    }

    public byte[] SaveState()
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory))
        {
            writer.Write(updates);
            writer.Write(slow.Count);
            foreach (var tensor in slow.Concat(fast)) tensor.Save(writer);
        }
        return memory.ToArray();
    }

    public void LoadState(byte[] state)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        updates = reader.ReadInt64();
        var count = reader.ReadInt32();
        if (count != slow.Count) throw new InvalidDataException($"Adaptive-DPO state holds {count} averaged tensors, the policy trains {slow.Count}.");
        foreach (var tensor in slow.Concat(fast)) tensor.Load(reader);
    }

    void Release()
    {
        foreach (var tensor in slow.Concat(fast)) tensor.Dispose();
        slow = [];
        fast = [];
    }
}
