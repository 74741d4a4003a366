using SemiDpo.Diffusion;
using SemiDpo.Rewards;
using SemiDpo.World;
using SemiDpo.World.Model;

namespace SemiDpo.Reproduction;

/// <summary>
/// The fixed part of a miniature reproduction: the world, the judges, Stage 1 and how samples are evaluated.
/// </summary>
/// <param name="World">The world's pairs (default: 20,000 pairs, seed 1 — what <c>semidpo world build</c> writes).</param>
/// <param name="Consensus">Stage 1; a 10 % clean test split so the per-interval accuracies (Table 7) rest on a few hundred pairs.</param>
/// <param name="JudgesFolder">The committed judges (hash-checked).</param>
/// <param name="BaseModel">The committed base model (hash-checked).</param>
/// <param name="EvalPrompts">Held-out prompts (paper: one image per prompt, seed 42).</param>
/// <param name="Sampler">DDIM steps, guidance and the seed behind each image's starting noise.</param>
/// <param name="ImagesPerPrompt">Images drawn per prompt, each from its own seeded noise; win rates compare image k of one method with image k of the other.</param>
/// <param name="CleanTestPairs">
/// Extra world pairs (rows after <see cref="WorldConfig.Pairs"/>) whose consensus-clean pairs form the clean test split,
/// so that a small training world still measures per-interval accuracy (Table 7) on a few hundred pairs; their noisy
/// pairs and ties are not used. 0: the test split is <see cref="ConsensusConfig.TestFraction"/> of the clean pairs.
/// </param>
/// <param name="CleanKeep">
/// Share of the clean training pairs kept (seeded); the rest leave the data, so the unlabeled pool is unchanged: the
/// dose-response over clean share. 1 = all.
/// </param>
/// <param name="Bias">A clean subset biased against one prompt slice (null: none).</param>
public sealed record StudyConfig(
    WorldConfig World,
    ConsensusConfig Consensus,
    string JudgesFolder,
    string BaseModel,
    int EvalPrompts,
    SamplerConfig Sampler,
    int ImagesPerPrompt = 1,
    int CleanTestPairs = 0,
    double CleanKeep = 1,
    SliceBias? Bias = null)
{
    public StudyConfig() : this(new WorldConfig(), new ConsensusConfig(TestFraction: 0.1), Path.Combine("data", "judges"),
        BaseModelFile.DefaultPath, 128, new SamplerConfig(Steps: 20)) { }

    /// <summary>
    /// The clean share of the non-tie pairs of the training world (the paper: ≈ 21 %): with extra pairs for the test
    /// split, the clean training pairs among the world's own; otherwise the consensus split's clean fraction.
    /// </summary>
    public double CleanShare(Rewards.ConsensusSplit split) =>
        CleanTestPairs > 0 ? (double)split.CleanTrain.Length / Math.Max(1, split.CleanTrain.Length + split.Noisy.Length) : split.CleanFraction;

    public void Validate()
    {
        World.Validate();
        if (EvalPrompts < 1) throw new ArgumentOutOfRangeException(nameof(EvalPrompts), EvalPrompts, "At least one evaluation prompt.");
        if (ImagesPerPrompt < 1) throw new ArgumentOutOfRangeException(nameof(ImagesPerPrompt), ImagesPerPrompt, "At least one image per prompt.");
        if (Sampler.Steps < 1) throw new ArgumentOutOfRangeException(nameof(Sampler), Sampler.Steps, "At least one sampling step.");
        if (CleanKeep is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(CleanKeep), CleanKeep, "The kept share of the clean pairs must be in (0, 1].");
        Bias?.Validate();
        if (Bias is not null && EvalPrompts < 2) throw new ArgumentOutOfRangeException(nameof(EvalPrompts), EvalPrompts, "A biased slice needs at least one evaluation prompt per side.");
        if (CleanTestPairs < 0) throw new ArgumentOutOfRangeException(nameof(CleanTestPairs), CleanTestPairs, "0 (a share of the clean pairs) or a positive number of extra pairs.");
    }
}
