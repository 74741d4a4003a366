using SemiDpo.Baselines;
using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Method;
using SemiDpo.World;

namespace SemiDpo.Reproduction;

/// <summary>
/// What <c>semidpo reproduce</c> runs: the study (world, judges, Stage 1, evaluation), Semi-DPO's Stage 2, the
/// baselines with the same budget, and the seeds. <see cref="Default"/> takes 10–15 minutes on a 2-core CPU,
/// <see cref="Quick"/> about 2 (a smoke run of every stage: too short for conclusions).
/// </summary>
/// <param name="Seeds">Training seeds (batch order, timesteps, noise, the unlabeled sample); world, judges, base model and evaluation prompts stay fixed.</param>
/// <param name="Smoothing">Label smoothing ε of the conservative-DPO baseline.</param>
/// <param name="JudgeCountAblation">Table 5: also train Iter0 on the consensus of K = 2 … K−1 judges (first seed only).</param>
/// <param name="Controls">Train the two controls through Semi-DPO's pipeline: clean only with the same budget, and all pairs with the same schedule.</param>
public sealed record ReproduceConfig(StudyConfig Study, SemiDpoConfig SemiDpo, IReadOnlyList<int> Seeds, double Smoothing = 0.1, bool JudgeCountAblation = true,
    bool Controls = true)
{
    /// <summary>
    /// The baselines trained from the base model with Semi-DPO's budget, by key (<see cref="BaselineSuite.KnownKeys"/>).
    /// The default leaves the related methods (Poly-DPO, Adaptive-DPO) out: the default run is already over its 10-minute
    /// aim on 2 CPU cores (RealAlign alone takes about 4 minutes: its DRO stage samples a trajectory of the policy per item), and
    /// so does <see cref="Quick"/>; CI adds them (<c>--baselines all</c>) so that every method runs there.
    /// </summary>
    public IReadOnlyList<string> Baselines { get; init; } = BaselineSuite.StandardKeys;

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
    /// The miniature reproduction: 20,000 pairs, Iter0 64 steps + Iter1/2 32 steps each at 16 pairs per step, 1,500
    /// unlabeled pairs scored (so that the pseudo-labelled pairs are about as many as an iteration's third of the clean
    /// anchors), the two controls, 128 evaluation prompts. Table 5's runs are left out to stay within 10 minutes
    /// (<c>--judge-count</c> adds them, about 1.5 minutes).
    /// </summary>
    public static ReproduceConfig Default { get; } = new(new StudyConfig(), Stage2(iter0Steps: 64, laterSteps: 32, unlabeled: 1500), [1], JudgeCountAblation: false);

    /// <summary>
    /// A smoke run of every stage of the default, with its methods: 4,000 pairs, a few steps, 32 prompts at 10 sampling
    /// steps. <c>--baselines all --judge-count</c> adds the related methods (at quick-sized RealAlign candidates) and
    /// Table 5's runs, as CI does, so that every method runs there.
    /// </summary>
    public static ReproduceConfig Quick { get; } = new(
        new StudyConfig() with { World = new WorldConfig(Pairs: 4_000), EvalPrompts = 32, Sampler = new SamplerConfig(Steps: 10) },
        Stage2(iter0Steps: 8, laterSteps: 4, unlabeled: 150), [1], JudgeCountAblation: false) { RealAlign = new(Candidates: 800, Keep: 200) };

    static SemiDpoConfig Stage2(int iter0Steps, int laterSteps, int unlabeled)
    {
        var defaults = new SemiDpoConfig();
        return new SemiDpoConfig(UnlabeledSample: unlabeled)
        {
            Iter0 = defaults.Iter0 with { Steps = iter0Steps, BatchSize = 16, MicroBatch = 16, WarmupSteps = Math.Max(1, iter0Steps / 8), CheckpointEvery = 0 },
            Later = defaults.Later with { Steps = laterSteps, BatchSize = 16, MicroBatch = 16, WarmupSteps = Math.Max(1, laterSteps / 8), CheckpointEvery = 0 },
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
        if (!Baselines.Contains("dpo")) throw new ArgumentException("The baselines must include 'dpo' (Diffusion-DPO on all pairs): every table compares with it.", nameof(Baselines));
        if (FlipRate is < 0 or >= 0.5) throw new ArgumentOutOfRangeException(nameof(FlipRate), FlipRate, "The flip rate must be in [0, 0.5).");
        RealAlign.Validate();
        if (!double.IsFinite(PolyAlpha)) throw new ArgumentOutOfRangeException(nameof(PolyAlpha), PolyAlpha, "α must be a finite number.");
    }
}
