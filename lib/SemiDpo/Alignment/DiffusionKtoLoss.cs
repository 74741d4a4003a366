using SemiDpo.Diffusion;
using static TorchSharp.torch;

namespace SemiDpo.Alignment;

/// <summary>
/// Diffusion-KTO (Li et al. 2024), unpaired: every winner is a desirable image, every loser an undesirable one. Per
/// image, the implicit reward is r(x) = β·(e_ref(x) − e_θ(x)) (the per-image half of the Diffusion-DPO logit) and the
/// loss is 1 − σ(r − Q) for desirable and 1 − σ(Q − r) for undesirable images, with the reference point Q the batch
/// mean of r, detached and clamped at 0 (KTO's KL estimate); each image's term is weighted λ_D or λ_U and the loss is
/// the mean over images — as the official train_kto_sd_v1.5.py computes it (σ(±β·(g − kl)), g = e_ref − e_θ,
/// kl = clamp(mean g, 0)). Two differences from the official data path: the images of a pair share t and ε here, and
/// the data are the preference pairs (winner desirable, loser undesirable) rather than single images labelled
/// desirable when they ever won, drawn with 80 % positives. The implicit logit z = r(x_w) − r(x_l) is reported for
/// accuracy only.
/// </summary>
public sealed class DiffusionKtoLoss(double beta = DiffusionDpoLoss.OfficialBeta, double desirableWeight = 1, double undesirableWeight = 1) : IPreferenceLoss
{
    public string Name => $"Diffusion-KTO (β {beta:G4})";

    public LossOutput Compute(IDiffusionModel policy, IDiffusionModel reference, Tensor winners, Tensor losers, Tensor tokens, Tensor t, Tensor noise)
    {
        var (policyError, referenceError) = DiffusionDpoLoss.PairErrors(policy, reference, winners, losers, tokens, t, noise);
        var reward = beta * (referenceError - policyError);
        var q = reward.detach().mean().clamp_min(0);
        var r = reward.chunk(2);
        var loss = desirableWeight * (1 - (r[0] - q).sigmoid()) + undesirableWeight * (1 - (q - r[1]).sigmoid());
        return new LossOutput(r[0] - r[1], loss.mean() / 2) { PolicyErrors = policyError, ReferenceErrors = referenceError };   // the mean over the 2B images
    }
}
