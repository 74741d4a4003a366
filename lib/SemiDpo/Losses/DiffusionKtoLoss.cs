using SemiDpo.Diffusion;
using static TorchSharp.torch;

namespace SemiDpo.Losses;

/// <summary>
/// Diffusion-KTO (Li et al. 2024) on preference pairs: every winner is a desirable image, every loser an undesirable
/// one, the two images of a pair sharing t and ε; the per-image loss is <see cref="ImageLoss"/>, as the official
/// train_kto_sd_v1.5.py computes it. The official data path — single images, desirable when they ever won, drawn with
/// 80 % positives, each with its own t and ε — is <see cref="Baselines.DiffusionKtoTrainer"/>. The implicit logit
/// z = r(x_w) − r(x_l), r(x) = β·(e_ref(x) − e_θ(x)), is reported for accuracy only.
/// </summary>
public sealed class DiffusionKtoLoss(double beta = DiffusionDpoLoss.OfficialBeta, double desirableWeight = 1, double undesirableWeight = 1) : IPreferenceLoss
{
    public string Name => $"Diffusion-KTO (β {beta:G4})";

    public LossOutput Compute(IDiffusionModel policy, IDiffusionModel reference, Tensor winners, Tensor losers, Tensor tokens, Tensor t, Tensor noise)
    {
        var (policyError, referenceError) = DiffusionDpoLoss.PairErrors(policy, reference, winners, losers, tokens, t, noise);
        var b = winners.shape[0];
        using var desirable = cat([ones(b, ScalarType.Bool, policyError.device), zeros(b, ScalarType.Bool, policyError.device)]);
        var (loss, _) = ImageLoss(policyError, referenceError, desirable);
        var r = (beta * (referenceError - policyError)).chunk(2);
        return new LossOutput(r[0] - r[1], loss) { PolicyErrors = policyError, ReferenceErrors = referenceError };
    }

    /// <summary>
    /// The official per-image loss over a batch: g = e_ref − e_θ, the reference point kl = max(mean g, 0) detached (KTO's
    /// KL estimate), h = σ(s·β·(g − kl)) with s = +1 for desirable and −1 for undesirable images, loss = mean of
    /// λ_D·(1 − h) or λ_U·(1 − h). Also returns s·β·(g − kl) per image (&gt; 0: the image moved to its label's side,
    /// the official "acc").
    /// </summary>
    public (Tensor Loss, Tensor Signed) ImageLoss(Tensor policyError, Tensor referenceError, Tensor desirable)
    {
        var g = referenceError - policyError;
        var kl = g.detach().mean().clamp_min(0);
        var sign = desirable.to_type(g.dtype) * 2 - 1;
        var signed = sign * beta * (g - kl);
        var weight = where(desirable, full_like(g, desirableWeight), full_like(g, undesirableWeight));
        return ((weight * (1 - signed.sigmoid())).mean(), signed);
    }
}
