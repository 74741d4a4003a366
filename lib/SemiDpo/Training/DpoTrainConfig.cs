using SemiDpo.Preferences;
using SemiDpo.Losses;

namespace SemiDpo.Training;

/// <summary>How the pairs of the clean set and of the unlabeled set share a step's loss.</summary>
public enum TermMixing
{
    /// <summary>The official code: all pairs in one shuffled set, so each term weighs by its number of pairs.</summary>
    ByCount,
    /// <summary>
    /// Paper Eq. 8 read literally: every batch holds half clean and half unlabeled pairs and the loss is
    /// mean over the clean ones + λ · mean over the unlabeled ones.
    /// </summary>
    PerTerm,
}

/// <summary>
/// One DPO training stage, scaled for the miniature world (the paper's SD1.5 settings in brackets: global batch 512,
/// lr 4e-9 × 512 (Iter0) / 4e-10 × 512 (Iter1/2), 1600 / 4000 steps, warmup 400, AdamW wd 1e-2, clip 1.0, β 2500).
/// </summary>
/// <param name="Steps">Optimizer steps.</param>
/// <param name="BatchSize">Global batch (pairs per optimizer step).</param>
/// <param name="MicroBatch">Pairs per forward/backward; gradients accumulate to the global batch.</param>
/// <param name="LearningRate">AdamW peak learning rate.</param>
/// <param name="WarmupSteps">Linear warmup steps.</param>
/// <param name="Beta">DPO β in the official Semi-DPO convention (see <see cref="DiffusionDpoLoss"/>).</param>
/// <param name="GradientClip">Global gradient-norm clip.</param>
/// <param name="WeightDecay">AdamW weight decay.</param>
/// <param name="Seed">Drives batch order, timesteps and noise.</param>
/// <param name="CheckpointEvery">Steps between resumable checkpoints (0 = only at the end).</param>
/// <param name="Mixing">How clean and unlabeled pairs share the loss when both are present (default: by count, as the official code).</param>
/// <param name="UnlabeledWeight">λ of <see cref="TermMixing.PerTerm"/>.</param>
/// <param name="HorizontalFlip">
/// Diffusion-DPO's augmentation (its reference script flips by default; <c>--no_hflip</c> turns it off there): each
/// drawn pair's two images mirrored left–right together with probability ½, from the step's seeded draw. From images,
/// or from a latent cache that holds the mirrored images' latents too (<c>semidpo latents --hflip</c>).
/// </param>
/// <param name="ScaleLearningRate">The official <c>scale_lr</c>: the peak rate is <paramref name="LearningRate"/> × per-device batch × accumulation × processes, i.e. × the global <paramref name="BatchSize"/> (the paper's 4e-9 × 512).</param>
public sealed record DpoTrainConfig(
    int Steps = 300,
    int BatchSize = 32,
    int MicroBatch = 32,
    double LearningRate = 2e-5,
    int WarmupSteps = 30,
    double Beta = DiffusionDpoLoss.OfficialBeta,
    double GradientClip = 1.0,
    double WeightDecay = 1e-2,
    int Seed = 1,
    int CheckpointEvery = 100,
    bool ScaleLearningRate = false,
    TermMixing Mixing = TermMixing.ByCount,
    double UnlabeledWeight = 1,
    bool HorizontalFlip = false)
{
    /// <summary>Refuses flips on cached latents of unmirrored images only.</summary>
    public void CheckFlips(string stage, params PairSet?[] sets)
    {
        if (HorizontalFlip && sets.Any(s => s is { CanMirror: false }))
            throw new TrainingException($"{stage}: horizontal flips mirror images, and these pairs are cached latents of unmirrored images: encode the cache with `semidpo latents --hflip`, train from the images, or train without flips.");
    }

    /// <summary>The rate AdamW reaches after warm-up.</summary>
    public double PeakLearningRate => ScaleLearningRate ? LearningRate * BatchSize : LearningRate;

    public void Validate()
    {
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "Steps must be at least 1.");
        if (BatchSize < 1 || MicroBatch < 1 || BatchSize % MicroBatch != 0)
            throw new ArgumentOutOfRangeException(nameof(MicroBatch), MicroBatch, $"MicroBatch must divide BatchSize ({BatchSize}).");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be positive.");
        if (!(Beta > 0)) throw new ArgumentOutOfRangeException(nameof(Beta), Beta, "Beta must be positive.");
        if (Mixing == TermMixing.PerTerm && BatchSize % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "Per-term mixing takes half of each batch from each set: BatchSize must be even.");
        if (!(UnlabeledWeight >= 0) || double.IsInfinity(UnlabeledWeight)) throw new ArgumentOutOfRangeException(nameof(UnlabeledWeight), UnlabeledWeight, "λ must be a finite number ≥ 0.");
        if (CheckpointEvery < 0) throw new ArgumentOutOfRangeException(nameof(CheckpointEvery), CheckpointEvery, "CheckpointEvery must be 0 (only at the end) or positive.");
    }
}
