using SemiDpo.Diffusion;
using static TorchSharp.torch;

namespace SemiDpo.Losses;

/// <summary>
/// Conservative DPO (label smoothing; Mitchell 2023): the label is assumed flipped with probability ε, so
/// L = (1 − ε)·(−log σ(z)) + ε·(−log σ(−z)) with the Diffusion-DPO logit z (paper Eq. 5). The standard answer to
/// noisy labels that Semi-DPO is compared with; ε = 0 is Diffusion-DPO.
/// </summary>
public sealed class ConservativeDpoLoss : IPreferenceLoss
{
    readonly DiffusionDpoLoss dpo;

    public ConservativeDpoLoss(double beta = DiffusionDpoLoss.OfficialBeta, double smoothing = 0.1)
    {
        if (smoothing is < 0 or >= 0.5) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "Label smoothing must be in [0, 0.5).");
        dpo = new DiffusionDpoLoss(beta);
        Smoothing = smoothing;
    }

    public double Smoothing { get; }

    public string Name => $"cDPO (ε {Smoothing:G3}, β {dpo.Beta:G4})";

    public LossOutput Compute(IDiffusionModel policy, IDiffusionModel reference, Tensor winners, Tensor losers, Tensor tokens, Tensor t, Tensor noise)
    {
        var (policyError, referenceError) = DiffusionDpoLoss.PairErrors(policy, reference, winners, losers, tokens, t, noise);
        var z = dpo.Logit(policyError, referenceError);
        var loss = (1 - Smoothing) * nn.functional.softplus(-z) + Smoothing * nn.functional.softplus(z);
        return new LossOutput(z, loss.mean()) { PolicyErrors = policyError, ReferenceErrors = referenceError };
    }
}
