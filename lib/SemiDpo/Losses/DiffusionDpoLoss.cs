using SemiDpo.Diffusion;
using static TorchSharp.torch;

namespace SemiDpo.Losses;

/// <summary>What one evaluation of a preference loss gives.</summary>
/// <param name="Z">Implicit logit z per pair (B), differentiable w.r.t. the policy; null for losses without one (SFT).</param>
/// <param name="Loss">The scalar to minimise (mean over the batch).</param>
public sealed record LossOutput(Tensor? Z, Tensor Loss)
{
    /// <summary>The policy's per-image denoising errors ‖ε − ε_θ(x_t)‖² (2B: winners; losers), when the loss computes them.</summary>
    public Tensor? PolicyErrors { get; init; }

    /// <summary>The reference's per-image denoising errors on the same noised images, when the loss computes them.</summary>
    public Tensor? ReferenceErrors { get; init; }

    /// <summary>Means of <see cref="PolicyErrors"/> and <see cref="ReferenceErrors"/> (the policy's and reference's denoising losses), null where not computed.</summary>
    public (double? Model, double? Reference) DenoisingLosses() => (Mean(PolicyErrors), Mean(ReferenceErrors));

    static double? Mean(Tensor? errors)
    {
        if (errors is null) return null;
        using var scope = NewDisposeScope();
        return errors.detach().to_type(ScalarType.Float64).mean().item<double>();
    }

    /// <summary>Implicit accuracy: share of pairs with z &gt; 0, z = 0 counting half; NaN without z.</summary>
    public double Accuracy()
    {
        if (Z is null) return double.NaN;
        using var scope = NewDisposeScope();
        var z = Z.detach();
        return ((z > 0).to_type(ScalarType.Float64).sum() + 0.5 * (z == 0).to_type(ScalarType.Float64).sum()).item<double>() / z.shape[0];
    }
}

/// <summary>
/// Diffusion-DPO at one timestep (paper Eq. 5/9; Wallace et al. 2023). With one t and one ε shared by winner and
/// loser, e(x) = mean over C,H,W of ‖ε − ε(x_t, t, c)‖² for the policy θ and the frozen reference,
/// z = β·[(e_ref(x^w) − e_ref(x^l)) − (e_θ(x^w) − e_θ(x^l))], L = −log σ(z).
/// <para>
/// β convention: the official Semi-DPO code's, β = 2500 by default. Diffusion-DPO's code writes
/// −0.5·β'·(…) with β' = 5000: the same z; <see cref="FromDiffusionDpoBeta"/> converts.
/// </para>
/// </summary>
public sealed class DiffusionDpoLoss(double beta = DiffusionDpoLoss.OfficialBeta) : IPreferenceLoss
{
    public const double OfficialBeta = 2500;

    public double Beta => beta;

    public string Name => $"Diffusion-DPO (β {beta:G4})";

    /// <summary>The loss whose z equals Diffusion-DPO's −0.5·β'·(model_diff − ref_diff).</summary>
    public static DiffusionDpoLoss FromDiffusionDpoBeta(double diffusionDpoBeta) => new(diffusionDpoBeta / 2);

    /// <summary>
    /// z and loss for a batch: winners and losers x_0 (B, C, H, W) in the model's training space, tokens (B, L), t (B), noise like x_0.
    /// Winners and losers go through each model in one batched forward; the reference runs without grad.
    /// </summary>
    public LossOutput Compute(IDiffusionModel policy, IDiffusionModel reference, Tensor winners, Tensor losers, Tensor tokens, Tensor t, Tensor noise)
    {
        var (policyError, referenceError) = PairErrors(policy, reference, winners, losers, tokens, t, noise);
        var z = Logit(policyError, referenceError);
        return new LossOutput(z, nn.functional.softplus(-z).mean()) { PolicyErrors = policyError, ReferenceErrors = referenceError };
    }

    /// <summary>z for a batch (the shared part of every DPO-style loss).</summary>
    public Tensor Logit(IDiffusionModel policy, IDiffusionModel reference, Tensor winners, Tensor losers, Tensor tokens, Tensor t, Tensor noise)
    {
        var (policyError, referenceError) = PairErrors(policy, reference, winners, losers, tokens, t, noise);
        return Logit(policyError, referenceError);
    }

    /// <summary>
    /// Per-image denoising errors laid out [winners; losers] (2B) for the policy (with grad) and the reference (without),
    /// with one t and one ε shared by the two images of a pair, in one batched forward per model.
    /// </summary>
    public static (Tensor Policy, Tensor Reference) PairErrors(IDiffusionModel policy, IDiffusionModel reference,
        Tensor winners, Tensor losers, Tensor tokens, Tensor t, Tensor noise)
    {
        var (xt, tt, tokens2, eps) = Noised(policy.Schedule, winners, losers, tokens, t, noise);
        var policyError = Errors(policy, xt, tt, tokens2, eps);
        using (no_grad()) return (policyError, Errors(reference, xt, tt, tokens2, eps));
    }

    /// <summary>z from per-sample errors laid out [winners; losers] (2B) for the policy and the reference.</summary>
    public Tensor Logit(Tensor policyError, Tensor referenceError)
    {
        var p = policyError.chunk(2);
        var r = referenceError.chunk(2);
        return LogitFromMargins(r[0] - r[1], p[0] - p[1]);
    }

    /// <summary>
    /// z from the two models' margins e(x^w) − e(x^l) per pair: β·(margin_ref − margin_θ) (Eq. 5), the one place the
    /// formula is written; training and the implicit classifier (<see cref="Method.ConfidenceScorer"/>) both use it.
    /// </summary>
    public Tensor LogitFromMargins(Tensor referenceMargin, Tensor policyMargin) => beta * (referenceMargin - policyMargin);

    /// <summary>One model's margin e(x^w) − e(x^l) per pair (B), with one t and one ε per pair, in one batched forward.</summary>
    public static Tensor Margin(IDiffusionModel model, Tensor winners, Tensor losers, Tensor tokens, Tensor t, Tensor noise)
    {
        var (xt, tt, tokens2, eps) = Noised(model.Schedule, winners, losers, tokens, t, noise);
        var errors = Errors(model, xt, tt, tokens2, eps).chunk(2);
        return errors[0] - errors[1];
    }

    /// <summary>Winners and losers noised to t with the pair's shared ε, laid out [winners; losers] (2B) with their t, tokens and ε.</summary>
    static (Tensor Xt, Tensor T, Tensor Tokens, Tensor Noise) Noised(NoiseSchedule schedule, Tensor winners, Tensor losers, Tensor tokens, Tensor t, Tensor noise)
    {
        var eps = cat([noise, noise], 0);
        var tt = cat([t, t], 0);
        return (schedule.QSample(cat([winners, losers], 0), eps, tt), tt, cat([tokens, tokens], 0), eps);
    }

    /// <summary>Per-sample denoising error: mean over C,H,W of (ε − ε̂)².</summary>
    public static Tensor Errors(IDiffusionModel model, Tensor xt, Tensor t, Tensor tokens, Tensor noise) =>
        (model.PredictNoise(xt, t, tokens) - noise).pow(2).mean([1, 2, 3]);
}
