using SemiDpo.Diffusion;
using static TorchSharp.torch;

namespace SemiDpo.Alignment;

/// <summary>What one DPO evaluation gives per pair.</summary>
/// <param name="Z">Implicit logit z (B), differentiable w.r.t. the policy.</param>
/// <param name="Loss">Mean −log σ(z) over the batch.</param>
public sealed record DpoOutput(Tensor Z, Tensor Loss)
{
    /// <summary>Implicit accuracy: share of pairs with z &gt; 0, z = 0 counting half.</summary>
    public double Accuracy()
    {
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
public sealed class DiffusionDpoLoss(double beta = DiffusionDpoLoss.OfficialBeta)
{
    public const double OfficialBeta = 2500;

    public double Beta => beta;

    /// <summary>The loss whose z equals Diffusion-DPO's −0.5·β'·(model_diff − ref_diff).</summary>
    public static DiffusionDpoLoss FromDiffusionDpoBeta(double diffusionDpoBeta) => new(diffusionDpoBeta / 2);

    /// <summary>
    /// z and loss for a batch: winners and losers (B, 3, H, W) in −1…1, tokens (B, L), t (B), noise (B, 3, H, W).
    /// Winners and losers go through each model in one batched forward; the reference runs without grad.
    /// </summary>
    public DpoOutput Compute(DiffusionModel policy, DiffusionModel reference, Tensor winners, Tensor losers, Tensor tokens, Tensor t, Tensor noise)
    {
        var schedule = policy.Schedule;
        var x0 = cat([winners, losers], 0);
        var eps = cat([noise, noise], 0);
        var tt = cat([t, t], 0);
        var tokens2 = cat([tokens, tokens], 0);
        var xt = schedule.QSample(x0, eps, tt);
        var policyError = Errors(policy, xt, tt, tokens2, eps);
        Tensor referenceError;
        using (no_grad()) referenceError = Errors(reference, xt, tt, tokens2, eps);
        var z = Logit(policyError, referenceError);
        return new DpoOutput(z, nn.functional.softplus(-z).mean());
    }

    /// <summary>z from per-sample errors laid out [winners; losers] (2B) for the policy and the reference.</summary>
    public Tensor Logit(Tensor policyError, Tensor referenceError)
    {
        var p = policyError.chunk(2);
        var r = referenceError.chunk(2);
        return beta * ((r[0] - r[1]) - (p[0] - p[1]));
    }

    /// <summary>Per-sample denoising error: mean over C,H,W of (ε − ε̂)².</summary>
    public static Tensor Errors(DiffusionModel model, Tensor xt, Tensor t, Tensor tokens, Tensor noise) =>
        (model.PredictNoise(xt, t, tokens) - noise).pow(2).mean([1, 2, 3]);
}
