using SemiDpo.Baselines;
using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Method;
using SemiDpo.World;

namespace SemiDpo.Reproduction;

/// <summary>
/// What <c>semidpo reproduce</c> runs: the study (world, judges, Stage 1, evaluation), Semi-DPO's Stage 2, the arms
/// compared with it through the same pipeline and budget, the baselines, and the seeds. <see cref="Default"/> took 6–14
/// minutes a seed on a 2-core CPU, <see cref="Quick"/> under 2 (a smoke run of every stage: too short for conclusions).
/// </summary>
/// <param name="Seeds">Training seeds (batch order, timesteps, noise, the unlabeled sample); world, judges, base model and evaluation prompts stay fixed.</param>
/// <param name="Smoothing">Label smoothing ε of the conservative-DPO baseline.</param>
/// <param name="JudgeCountAblation">Table 5: also train Iter0 on the consensus of K = 2 … K−1 judges (first seed only).</param>
/// <param name="Controls">Train the two controls through Semi-DPO's pipeline: clean only with the same budget, and all pairs with the same schedule.</param>
/// <param name="Ceilings">
/// Train the two ceiling arms: Iter1/2 on exactly the (pair, interval) slots Semi-DPO accepted, labelled with the TRUE
/// preference, and with the HUMAN labels — whether the world rewards the extra data at all, and what the pseudo-labels' corrections add.
/// They run with <paramref name="Controls"/> only: they are read against the clean-only control.
/// </param>
public sealed record ReproduceConfig(StudyConfig Study, SemiDpoConfig SemiDpo, IReadOnlyList<int> Seeds, double Smoothing = 0.1, bool JudgeCountAblation = true,
    bool Controls = true, bool Ceilings = true)
{
    /// <summary>
    /// The baselines trained from the base model with Semi-DPO's budget, by key (<see cref="BaselineSuite.KnownKeys"/>).
    /// None by default: the default keeps the arms that bear on the claim (Semi-DPO, the controls, the ceilings) within
    /// 15 minutes a seed on 2 CPU cores; <c>--baselines dpo</c> adds Diffusion-DPO on all pairs in one stage (its
    /// learning rate stays Iter0's for the whole budget, so its schedule differs from the arms'), <c>--baselines all</c>
    /// every compared method, as CI runs.
    /// </summary>
    public IReadOnlyList<string> Baselines { get; init; } = [];

    /// <summary>RealAlign's candidates, filters and stage split (baseline key <c>realalign</c>).</summary>
    public RealAlignConfig RealAlign { get; init; } = new(Candidates: 4000, Keep: 1000);

    /// <summary>α of the Poly-DPO baseline (default: the authors' best on Pick-a-Pic v2).</summary>
    public double PolyAlpha { get; init; } = PolyDpoLoss.PickapicAlpha;

    /// <summary>
    /// Share of the non-tie human labels flipped (seeded, before Stage 1), on top of the world's own annotator noise: the
    /// 10/20/30 % label-flip experiments of Adaptive-DPO. 0 = the world as built.
    /// </summary>
    public double FlipRate { get; init; }

    /// <summary>
    /// The miniature reproduction in the paper's data regime: a 1,200-pair world (its clean pairs ≈ 210 train on them;
    /// the clean test split comes from 2,000 extra pairs), Iter0 60 steps of 16 pairs (≈ 4.6 passes over the clean
    /// pairs; paper ≈ 4.7), Iter1/2 as long at a tenth of the learning rate, every noisy pair scored (≈ 4 per clean
    /// pair; paper ≈ 3.9), the controls and the ceilings, 128 evaluation prompts with two images each (the paired
    /// intervals narrow; the paper draws one). <c>summary.md</c> prints the ratios the run had.
    /// </summary>
    public static ReproduceConfig Default { get; } = new(
        new StudyConfig() with { World = new WorldConfig(Pairs: 1_200), CleanTestPairs = 2_000, ImagesPerPrompt = 2 },
        Stage2(iter0Steps: 60, laterSteps: 60, unlabeled: 0), [1], JudgeCountAblation: false);

    /// <summary>
    /// A smoke run of every stage of the default, with its arms: a 600-pair world (and 600 for the clean test split), a
    /// few steps, 150 scored pairs, 32 prompts at 10 sampling steps. <c>--baselines all --judge-count</c> adds every
    /// compared method (at quick-sized RealAlign candidates) and Table 5's runs, as notebook 05 does.
    /// </summary>
    public static ReproduceConfig Quick { get; } = new(
        new StudyConfig() with { World = new WorldConfig(Pairs: 600), CleanTestPairs = 600, EvalPrompts = 32, Sampler = new SamplerConfig(Steps: 10) },
        Stage2(iter0Steps: 8, laterSteps: 8, unlabeled: 150), [1], JudgeCountAblation: false) { RealAlign = new(Candidates: 800, Keep: 200) };

    /// <summary>Iter0 and the later iterations at 16 pairs per step, the later ones at a tenth of Iter0's learning rate.</summary>
    static SemiDpoConfig Stage2(int iter0Steps, int laterSteps, int unlabeled)
    {
        var defaults = new SemiDpoConfig();
        return new SemiDpoConfig(UnlabeledSample: unlabeled)
        {
            Iter0 = defaults.Iter0 with { Steps = iter0Steps, BatchSize = 16, MicroBatch = 16, WarmupSteps = Math.Max(1, iter0Steps / 8), CheckpointEvery = 0 },
            Later = defaults.Later with
            {
                Steps = laterSteps, LearningRate = defaults.Iter0.LearningRate / 10, BatchSize = 16, MicroBatch = 16, WarmupSteps = Math.Max(1, laterSteps / 8),
                CheckpointEvery = 0,
            },
        };
    }

    /// <summary>The same run with other seeds.</summary>
    public ReproduceConfig WithSeeds(int count, int first = 1) => this with { Seeds = Enumerable.Range(first, count).ToArray() };

    public void Validate()
    {
        Study.Validate();
        SemiDpo.Validate();
        if (Seeds.Count == 0) throw new ArgumentException("At least one seed.", nameof(Seeds));
        if (Seeds.Distinct().Count() != Seeds.Count) throw new ArgumentException("Seeds must differ.", nameof(Seeds));
        if (Smoothing is < 0 or >= 0.5) throw new ArgumentOutOfRangeException(nameof(Smoothing), Smoothing, "Label smoothing must be in [0, 0.5).");
        if (Baselines.FirstOrDefault(k => !BaselineSuite.KnownKeys.Contains(k)) is { } unknown)
            throw new ArgumentException($"Unknown baseline '{unknown}'; known: {string.Join(", ", BaselineSuite.KnownKeys)}.", nameof(Baselines));
        if (Baselines.Distinct().Count() != Baselines.Count) throw new ArgumentException("A baseline is named twice.", nameof(Baselines));
        if (FlipRate is < 0 or >= 0.5) throw new ArgumentOutOfRangeException(nameof(FlipRate), FlipRate, "The flip rate must be in [0, 0.5).");
        RealAlign.Validate();
        if (!double.IsFinite(PolyAlpha)) throw new ArgumentOutOfRangeException(nameof(PolyAlpha), PolyAlpha, "α must be a finite number.");
    }
}
