using Microsoft.Data.Analysis;
using SemiDpo.Analysis;
using SemiDpo.Training;
using SemiDpo.World.Judges;

namespace SemiDpo.Reproduction;

/// <summary>One label-flip rate: Stage 1 on the flipped labels and every method trained on them with one seed.</summary>
/// <param name="FlipRate">Share of non-tie human labels flipped (on top of the annotators' own noise).</param>
/// <param name="CleanPairs">Clean pairs the consensus filter kept.</param>
/// <param name="HumanLabelAccuracy">Share of all non-tie human labels that match the truth after the flips.</param>
/// <param name="CleanLabelAccuracy">The same on the clean pairs.</param>
/// <param name="Run">Semi-DPO and the baselines.</param>
public sealed record FlipRateRun(double FlipRate, int CleanPairs, double HumanLabelAccuracy, double CleanLabelAccuracy, SeedRun Run);

/// <summary>
/// Which method resists label noise: the same study with 10/20/30 % of the human labels flipped (Adaptive-DPO's
/// experiments), Semi-DPO and the chosen baselines trained with one seed per rate, every method rated against
/// Diffusion-DPO on all pairs on the true preference.
/// </summary>
public static class NoiseRobustness
{
    public static IReadOnlyList<double> DefaultRates { get; } = [0.1, 0.2, 0.3];

    public static IReadOnlyList<FlipRateRun> Run(MiniatureStudy study, ReproduceConfig config, IReadOnlyList<double> rates, int seed = 1,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        config.Validate();
        var runs = new List<FlipRateRun>();
        var baseScores = study.Evaluate(study.BaseModel, MethodNames.Base, progress, cancellation);
        foreach (var rate in rates)
        {
            using var flipped = study.WithFlippedLabels(rate);
            var labelled = flipped.Pairs.Where(p => !p.IsTie).ToList();
            var human = labelled.Count(p => p.HumanPreference == p.Truth?.TruePreference) / (double)labelled.Count;
            var run = Reproducer.RunSeed(flipped, config with { FlipRate = rate }, seed, baseScores, null, progress, cancellation);
            runs.Add(new FlipRateRun(rate, flipped.Split.CleanTrain.Length + flipped.Split.CleanTest.Length, human,
                ConsensusAblation.LabelAccuracy(flipped.Pairs, flipped.Split.Clean), run));
        }
        return runs;
    }

    /// <summary>Per rate and trained method: true-preference wins and losses against Diffusion-DPO (all), and Semi-DPO's against it.</summary>
    public static DataFrame Table(IReadOnlyList<FlipRateRun> runs, int iterations)
    {
        var semi = MethodNames.SemiDpo(iterations);
        var rows = runs.SelectMany(r => r.Run.Methods.Where(m => m.Name != MethodNames.Base && m.Name != MethodNames.DiffusionDpoAll)
            .Select(m => (Run: r, Method: m, Dpo: r.Run.Method(MethodNames.DiffusionDpoAll), Semi: r.Run.Method(semi)))).ToList();
        const string utility = ImageSetScores.UtilityMetric;
        return new DataFrame(
            new DoubleDataFrameColumn("flip rate", rows.Select(r => r.Run.FlipRate)),
            new DoubleDataFrameColumn("human labels right", rows.Select(r => r.Run.HumanLabelAccuracy)),
            new Int32DataFrameColumn("clean pairs", rows.Select(r => r.Run.CleanPairs)),
            new StringDataFrameColumn("method", rows.Select(r => r.Method.Name)),
            new DoubleDataFrameColumn("true utility", rows.Select(r => r.Method.Utility)),
            new DoubleDataFrameColumn($"wins vs {MethodNames.DiffusionDpoAll}", rows.Select(r => WinRate.Of(r.Method, r.Dpo, utility))),
            new DoubleDataFrameColumn($"loses vs {MethodNames.DiffusionDpoAll}", rows.Select(r => WinRate.Of(r.Dpo, r.Method, utility))),
            new DoubleDataFrameColumn("Semi-DPO wins vs it", rows.Select(r => r.Method.Name == semi ? double.NaN : WinRate.Of(r.Semi, r.Method, utility))),
            new DoubleDataFrameColumn("Semi-DPO loses vs it", rows.Select(r => r.Method.Name == semi ? double.NaN : WinRate.Of(r.Method, r.Semi, utility))));
    }
}
