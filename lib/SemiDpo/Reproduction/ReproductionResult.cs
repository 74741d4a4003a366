using SemiDpo.Analysis;
using SemiDpo.Method;
using SemiDpo.Rewards;

namespace SemiDpo.Reproduction;

/// <summary>Semi-DPO's iterations: reports, each model's evaluation, and per pseudo-labelled iteration (Iter1, …) what its labels follow.</summary>
public sealed record SemiDpoRun(IReadOnlyList<IterationReport> Reports, IReadOnlyList<ImageSetScores> Scores,
    IReadOnlyList<IReadOnlyList<LabelAgreementRow>> Agreement);

/// <summary>One seed: every method's evaluation (base, the iterations, the baselines), the iteration reports and the pseudo-label agreement of Iter1, ….</summary>
public sealed record SeedRun(int Seed, IReadOnlyList<ImageSetScores> Methods, IReadOnlyList<IterationReport> Iterations,
    IReadOnlyList<IReadOnlyList<LabelAgreementRow>> Agreement)
{
    public ImageSetScores Method(string name) =>
        Methods.FirstOrDefault(m => m.Name == name) ?? throw new ArgumentException($"No method '{name}' in seed {Seed} (have: {string.Join(", ", Methods.Select(m => m.Name))}).");
}

/// <summary>Table 5: the consensus of K judges (paper order), its clean subset and the Iter0 model trained on it.</summary>
public sealed record JudgeCountRun(string Judges, int K, int CleanPairs, double CleanFraction, double LabelAccuracy, ImageSetScores Iter0);

/// <summary>Everything a reproduction measured; <see cref="ReproductionTables"/> turns it into the paper's tables.</summary>
public sealed record ReproductionResult(ReproduceConfig Config, ConsensusSplit Split, double CleanLabelAccuracy,
    IReadOnlyList<SeedRun> Seeds, IReadOnlyList<JudgeCountRun> JudgeCounts, TimeSpan Elapsed)
{
    /// <summary>The captions of the clean training pairs (how many of each prompt slice the clean subset holds).</summary>
    public IReadOnlyList<string> CleanCaptions { get; init; } = [];

    /// <summary>Method names in table order.</summary>
    public IReadOnlyList<string> MethodNames => Seeds[0].Methods.Select(m => m.Name).ToList();
}

/// <summary>The names methods carry in every table.</summary>
public static class MethodNames
{
    public const string Base = "base model";

    /// <summary>Iteration i; Iter0 is Diffusion-DPO on the clean subset, the last iteration is Semi-DPO.</summary>
    public static string Iteration(int i, int iterations) =>
        i == 0 ? "Iter0 (= Diffusion-DPO clean)" : i == iterations - 1 ? $"Iter{i} (Semi-DPO)" : $"Iter{i}";

    public static string SemiDpo(int iterations) => Iteration(iterations - 1, iterations);

    /// <summary>The main comparison of the paper's Table 2.</summary>
    public const string DiffusionDpoAll = "Diffusion-DPO (all)";

    /// <summary>Control: Semi-DPO with the unlabeled term removed (same iterations, steps, schedules, anchors, reference resets).</summary>
    public const string CleanOnlySameBudget = "clean only, same budget";

    /// <summary>Control: all non-tie pairs with their human labels through Semi-DPO's iteration schedule.</summary>
    public const string DiffusionDpoAllSameSchedule = "Diffusion-DPO (all), same schedule";

    /// <summary>Ceiling: Iter1/2 on exactly the slots Semi-DPO accepted, labelled with the TRUE preference.</summary>
    public const string CeilingTrueLabels = "accepted slots, true labels";

    /// <summary>Ceiling: Iter1/2 on exactly the slots Semi-DPO accepted, with their HUMAN labels (no swaps).</summary>
    public const string CeilingHumanLabels = "accepted slots, human labels";

    /// <summary>RealAlign's stage 1 alone: Diffusion-DRO on the real images (half the budget).</summary>
    public const string RealAlignDro = "RealAlign: DRO stage";

    /// <summary>RealAlign: DRO then Diffusion-DPO on real-vs-degraded pairs (the whole budget).</summary>
    public const string RealAlign = "RealAlign";
}
