namespace SemiDpo.Training;

/// <summary>One optimizer step's report, for progress bars, live charts, loss curves and TensorBoard.</summary>
/// <param name="Stage">What is training ("pretrain", "Iter0", "Iter1", …).</param>
/// <param name="Step">Optimizer steps done in this stage (1-based).</param>
/// <param name="TotalSteps">Steps the stage will take.</param>
/// <param name="Loss">Mean loss of the step's global batch; NaN for work that is not an optimizer step (sampling, scoring).</param>
/// <param name="Accuracy">Implicit accuracy of the step's batch (DPO stages), else null.</param>
/// <param name="LearningRate">Learning rate used for the step.</param>
/// <param name="ModelLoss">The policy's mean denoising error ‖ε − ε_θ‖² over the step's images (diffusers' DPO example logs it as raw_model_loss), when the loss computes it.</param>
/// <param name="ReferenceLoss">The reference's mean denoising error on the same noised images (diffusers: ref_loss), when the loss computes it.</param>
public sealed record TrainingProgress(string Stage, long Step, long TotalSteps, double Loss, double? Accuracy, double LearningRate,
    double? ModelLoss = null, double? ReferenceLoss = null)
{
    /// <summary>Whether this report is a finished optimizer step (rather than progress of sampling or scoring).</summary>
    public bool IsOptimizerStep => !double.IsNaN(Loss);
}

/// <summary>Raised when training cannot go on; names the step and where the last good checkpoint is.</summary>
public sealed class TrainingException(string message) : Exception(message);
