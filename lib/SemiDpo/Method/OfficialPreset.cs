using SemiDpo.Losses;
using SemiDpo.Training;

namespace SemiDpo.Method;

/// <summary>
/// The official Stable Diffusion 1.5 run (L-CodingSpace/Semi-DPO scripts/1_train_clean.sh and 3_train_pseudo.sh): a
/// global batch of 512 pairs (32 GPUs × 4 × accumulation 4), β = 2500 (official convention), scale_lr (the rate is
/// multiplied by the global batch), constant rate after 400 warm-up steps, Iter0 at 4e-9 for 1,600 steps, Iter1 and
/// Iter2 at 4e-10 (a tenth) for 4,000 steps each, a checkpoint every 100 steps, bf16 mixed precision (here: the frozen
/// VAE and text encoder in bfloat16, the trained UNet's float32 weights computing in bfloat16 — autocast by hand, see
/// <see cref="Torch.Autocast"/> — and the references in bfloat16; the CLI sets these), the previous iteration's model
/// as the DPO reference of Iter i &gt; 0, three iterations.
/// </summary>
public static class OfficialPreset
{
    public const string Sd15 = "sd15-official";

    /// <summary>The official global batch: 32 processes × micro-batch 4 × accumulation 4.</summary>
    public const int GlobalBatch = 512;

    /// <summary>
    /// The official schedule on <paramref name="config"/>'s other settings (seed, anchors, thresholds, …) with
    /// <paramref name="microBatch"/> pairs per forward: one process accumulates GlobalBatch / microBatch micro-batches.
    /// </summary>
    public static SemiDpoConfig Apply(SemiDpoConfig config, int microBatch)
    {
        var common = new DpoTrainConfig(BatchSize: GlobalBatch, MicroBatch: microBatch, WarmupSteps: 400, Beta: DiffusionDpoLoss.OfficialBeta,
            CheckpointEvery: 100, ScaleLearningRate: true);
        return config with
        {
            Iterations = 3,
            TrainingReference = ReferenceChoice.Previous,
            Iter0 = common with { Steps = 1600, LearningRate = 4e-9, Seed = config.Iter0.Seed, HorizontalFlip = config.Iter0.HorizontalFlip },
            Later = common with { Steps = 4000, LearningRate = 4e-10, Seed = config.Later.Seed, HorizontalFlip = config.Later.HorizontalFlip,
                Mixing = config.Later.Mixing, UnlabeledWeight = config.Later.UnlabeledWeight },
        };
    }
}
