namespace SemiDpo.World.Model;

/// <summary>
/// Pretraining of the world's base model (the stand-in for SD1.5's pretraining): ε-prediction MSE on broad,
/// mixed-quality images of every generator for the training prompts, with caption dropout for classifier-free guidance.
/// </summary>
/// <param name="Steps">Optimizer steps.</param>
/// <param name="BatchSize">Images per step.</param>
/// <param name="LearningRate">AdamW peak learning rate (after warmup).</param>
/// <param name="WarmupSteps">Linear warmup steps.</param>
/// <param name="CaptionDropout">Share of captions replaced by the null caption "".</param>
/// <param name="GradientClip">Global gradient-norm clip.</param>
/// <param name="WeightDecay">AdamW weight decay.</param>
/// <param name="Seed">Drives the images of every step and torch's noise and timesteps.</param>
/// <param name="CheckpointEvery">Steps between resumable checkpoints (0 = only at the end).</param>
public sealed record PretrainConfig(
    int Steps = 3000,
    int BatchSize = 16,
    double LearningRate = 5e-4,
    int WarmupSteps = 200,
    double CaptionDropout = 0.1,
    double GradientClip = 1.0,
    double WeightDecay = 1e-2,
    int Seed = 7,
    int CheckpointEvery = 500)
{
    public void Validate()
    {
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "Steps must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be positive.");
        if (CaptionDropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(CaptionDropout), CaptionDropout, "CaptionDropout must be in [0, 1).");
    }
}
