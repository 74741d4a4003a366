using SemiDpo.Diffusion;
using static TorchSharp.torch;

namespace SemiDpo.Losses;

/// <summary>
/// Poly-DPO (ViPO, arXiv 2604.24953): Diffusion-DPO read as a binary cross-entropy and perturbed in the first term of
/// its Taylor series, L = −log σ(z) + α·(1 − σ(z)) with the Diffusion-DPO logit z (paper Eq. 5). The gradient with
/// respect to z is −(1 − σ(z))·(1 + α·σ(z)): α &gt; 0 weighs pairs the model already ranks right more than DPO does and
/// pairs it ranks badly wrong (σ(z) ≈ 0, the likely flipped labels) no more than DPO; α = 0 is Diffusion-DPO. The
/// authors report α = 8 best on Pick-a-Pic v2 and α ≈ 0 on clean data.
/// </summary>
public sealed class PolyDpoLoss : IPreferenceLoss
{
    /// <summary>The α the authors found best on Pick-a-Pic v2 (their noisy set).</summary>
    public const double PickapicAlpha = 8;

    readonly DiffusionDpoLoss dpo;

    public PolyDpoLoss(double beta = DiffusionDpoLoss.OfficialBeta, double alpha = PickapicAlpha)
    {
        if (!double.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be a finite number.");
        dpo = new DiffusionDpoLoss(beta);
        Alpha = alpha;
    }

    public double Alpha { get; }

    public string Name => $"Poly-DPO (α {Alpha:G3}, β {dpo.Beta:G4})";

    public LossOutput Compute(IDiffusionModel policy, IDiffusionModel reference, Tensor winners, Tensor losers, Tensor tokens, Tensor t, Tensor noise)
    {
        var (policyError, referenceError) = DiffusionDpoLoss.PairErrors(policy, reference, winners, losers, tokens, t, noise);
        var z = dpo.Logit(policyError, referenceError);
        return new LossOutput(z, Of(z).mean()) { PolicyErrors = policyError, ReferenceErrors = referenceError };
    }

    /// <summary>The per-pair loss of logits z.</summary>
    public Tensor Of(Tensor z) => nn.functional.softplus(-z) + Alpha * (1 - z.sigmoid());
}
