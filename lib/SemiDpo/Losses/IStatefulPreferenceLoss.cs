using SemiDpo.Diffusion;

namespace SemiDpo.Losses;

/// <summary>
/// A preference loss that keeps state across optimizer steps (Adaptive-DPO's moving-average copies of the policy).
/// <see cref="Training.DpoTrainer"/> starts it on the policy, tells it after every optimizer step, and saves its state in the
/// stage's checkpoints so that a resumed run continues exactly.
/// </summary>
public interface IStatefulPreferenceLoss : IPreferenceLoss
{
    /// <summary>A fresh run on <paramref name="policy"/> (called before the first step, and before a resume loads the state).</summary>
    void Start(IDiffusionModel policy);

    /// <summary>Called after each optimizer step with the updated policy.</summary>
    void AfterOptimizerStep(IDiffusionModel policy);

    /// <summary>The state to checkpoint.</summary>
    byte[] SaveState();

    /// <summary>Restores a state written by <see cref="SaveState"/> for the same policy.</summary>
    void LoadState(byte[] state);
}
