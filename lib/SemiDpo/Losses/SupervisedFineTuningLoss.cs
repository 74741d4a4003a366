using SemiDpo.Diffusion;
using static TorchSharp.torch;

namespace SemiDpo.Losses;

/// <summary>
/// SFT on winners: the plain denoising loss (mean ‖ε − ε_θ(x_t, t, c)‖²) on the human winner of each pair; the loser
/// and the reference are ignored, and there is no implicit logit.
/// </summary>
public sealed class SupervisedFineTuningLoss : IPreferenceLoss
{
    public string Name => "SFT (winners)";

    public LossOutput Compute(IDiffusionModel policy, IDiffusionModel reference, Tensor winners, Tensor losers, Tensor tokens, Tensor t, Tensor noise)
    {
        var xt = policy.Schedule.QSample(winners, noise, t);
        var errors = DiffusionDpoLoss.Errors(policy, xt, t, tokens, noise);
        return new LossOutput(null, errors.mean()) { PolicyErrors = errors };
    }
}
