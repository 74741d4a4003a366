namespace SemiDpo.Training;

/// <summary>One optimizer step's report, for progress bars, live charts and loss curves.</summary>
/// <param name="Stage">What is training ("pretrain", "Iter0", "Iter1", …).</param>
/// <param name="Step">Optimizer steps done in this stage (1-based).</param>
/// <param name="TotalSteps">Steps the stage will take.</param>
/// <param name="Loss">Mean loss of the step's global batch.</param>
/// <param name="Accuracy">Implicit accuracy of the step's batch (DPO stages), else null.</param>
/// <param name="LearningRate">Learning rate used for the step.</param>
public sealed record TrainingProgress(string Stage, long Step, long TotalSteps, double Loss, double? Accuracy, double LearningRate);

/// <summary>Raised when training cannot go on; names the step and where the last good checkpoint is.</summary>
public sealed class TrainingException(string message) : Exception(message);
