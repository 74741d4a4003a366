using SemiDpo.Training;

namespace SemiDpo.Method;

/// <summary>Which model plays the reference.</summary>
public enum ReferenceChoice
{
    /// <summary>The pretrained base model.</summary>
    Base,
    /// <summary>The model the previous iteration started from (for training: the previous iteration's result).</summary>
    Previous,
}

/// <summary>Which clean training pairs anchor the iterations after Iter0 (Iter0 always trains on all of them).</summary>
public enum CleanAnchors
{
    /// <summary>Every clean training pair in every iteration.</summary>
    All,
    /// <summary>
    /// The official SD1.5 runs: the clean training pairs sorted by source row and split into three disjoint thirds;
    /// Iter1 anchors on the first, Iter2 on the second (Iter i on third (i − 1) mod 3).
    /// </summary>
    Thirds,
}

/// <summary>What trains beside the clean pairs; anything but pseudo-labels makes the pipeline a control.</summary>
public enum UnlabeledTerm
{
    /// <summary>Semi-DPO: the previous model's confident pseudo-labels (paper Eq. 8–10).</summary>
    PseudoLabels,
    /// <summary>Control "clean only, same budget": the unlabeled term removed, everything else as Semi-DPO.</summary>
    None,
    /// <summary>Control "Diffusion-DPO (all), same schedule": every iteration, Iter0 included, trains on all non-tie pairs with their human labels.</summary>
    HumanLabels,
}

/// <summary>
/// The whole Stage 2 (the paper's Stage 2): Iter0 on the clean set, then iterations that pseudo-label the unlabeled pairs
/// with the previous model and train on labeled + pseudo-labeled pairs. The official code computes confidence
/// against the BASE model but trains Iter1/2 against the PREVIOUS checkpoint; both are options here.
/// </summary>
/// <param name="Iterations">Iter0 … Iter(n−1); the paper uses 3.</param>
/// <param name="ConfidenceReference">Reference for z when pseudo-labelling (official: the base model).</param>
/// <param name="TrainingReference">Reference of the DPO loss in Iter i &gt; 0 (official SD1.5 scripts: the previous checkpoint).</param>
/// <param name="UnlabeledSample">Score at most this many unlabeled pairs per iteration (0 = all), a fixed random subset.</param>
/// <param name="Anchors">Clean anchors of Iter i &gt; 0 (official: a different third per iteration).</param>
/// <param name="PastLabelsLast">
/// The official selection: a pair pseudo-labelled in an earlier iteration ranks last (|z| counts as 0) in every later
/// one, so each iteration labels new pairs; such pairs are not scored again.
/// </param>
/// <param name="Term">Pseudo-labels (Semi-DPO) or one of the controls.</param>
public sealed record SemiDpoConfig(
    int Iterations = 3,
    ReferenceChoice ConfidenceReference = ReferenceChoice.Base,
    ReferenceChoice TrainingReference = ReferenceChoice.Previous,
    int UnlabeledSample = 0,
    CleanAnchors Anchors = CleanAnchors.Thirds,
    bool PastLabelsLast = true,
    UnlabeledTerm Term = UnlabeledTerm.PseudoLabels)
{
    /// <summary>Iter0 training (paper: 1600 steps).</summary>
    public DpoTrainConfig Iter0 { get; init; } = new();

    /// <summary>Iter i &gt; 0 training: as long as Iter0 at a tenth of its learning rate (paper: 4,000 steps, 2.5× Iter0's 1,600, at a tenth).</summary>
    public DpoTrainConfig Later { get; init; } = new(Steps: 300, LearningRate: 2e-6);

    public ThresholdConfig Thresholds { get; init; } = new();

    public ConfidenceConfig Confidence { get; init; } = new();

    /// <summary>
    /// The same budget as one stage, for the baselines: all iterations' optimizer steps, with Iter0's batch, learning
    /// rate, warmup, β and seed.
    /// </summary>
    public DpoTrainConfig TotalBudget => Iter0 with { Steps = Iter0.Steps + (Iterations - 1) * Later.Steps };

    /// <summary>
    /// This configuration as <c>semidpo reproduce</c> runs it for one seed: both training stages seeded with
    /// <paramref name="seed"/>, the confidence draws offset by it. A notebook that runs Semi-DPO this way gets the
    /// numbers of that seed's reproduction, whatever ran before it.
    /// </summary>
    public SemiDpoConfig ForSeed(int seed) => this with
    {
        Iter0 = Iter0 with { Seed = seed },
        Later = Later with { Seed = seed },
        Confidence = Confidence with { Seed = Confidence.Seed + seed },
    };

    public void Validate()
    {
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "At least Iter0.");
        if (UnlabeledSample < 0) throw new ArgumentOutOfRangeException(nameof(UnlabeledSample), UnlabeledSample, "0 (all) or a positive count.");
        Iter0.Validate();
        Later.Validate();
    }
}
