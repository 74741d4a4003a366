using SemiDpo.Analysis;
using SemiDpo.Baselines;
using SemiDpo.Losses;
using SemiDpo.Method;
using SemiDpo.Training;

namespace SemiDpo.Reproduction;

/// <summary>The hyperparameter of a compared method that <see cref="BaselineSweep"/> varies; at 0 each method is Diffusion-DPO.</summary>
public enum SweptParameter
{
    /// <summary>Poly-DPO's α (L = −log σ(z) + α(1 − σ(z))).</summary>
    PolyAlpha,
    /// <summary>cDPO's label smoothing ε (L = (1 − ε)·(−log σ(z)) + ε·(−log σ(−z))), in [0, 0.5).</summary>
    CdpoEpsilon,
}

/// <summary>One value of a sweep.</summary>
/// <param name="Value">α or ε (0 = Diffusion-DPO).</param>
/// <param name="CleanTestAccuracy">The trained model's implicit accuracy on the clean test split against the base model, mean over the timestep intervals: what a user without ground truth can select on.</param>
/// <param name="TrueUtility">Mean true utility of its samples (ground truth, for the reader).</param>
/// <param name="WinsVsDpo">Share of prompts where it beats the value 0 (Diffusion-DPO) on the true preference.</param>
/// <param name="LosesVsDpo">Share where the value 0 beats it.</param>
public sealed record SweepRow(double Value, double CleanTestAccuracy, double TrueUtility, double WinsVsDpo, double LosesVsDpo);

/// <summary>
/// A compared method's hyperparameter chosen as a user would: train the method on all non-tie pairs for each value with
/// the same budget and seed, read each model's implicit accuracy on the clean test split (the consensus pairs held out
/// from training), pick the best — and, in the world, also report what the truth says of each value. The evaluation
/// prompts are never used to choose.
/// </summary>
public static class BaselineSweep
{
    /// <summary>
    /// Poly-DPO: the authors' sweep range (α ∈ {−1 … 1}) and the larger values they report for Pick-a-Pic. cDPO: no
    /// smoothing to a flip probability of 0.3.
    /// </summary>
    public static IReadOnlyList<double> DefaultValues(SweptParameter parameter) => parameter switch
    {
        SweptParameter.PolyAlpha => [-1, 0, 1, 2, 4, 8],
        SweptParameter.CdpoEpsilon => [0, 0.05, 0.1, 0.2, 0.3],
        _ => throw new ArgumentOutOfRangeException(nameof(parameter), parameter, null),
    };

    /// <summary>The symbol the tables and charts name the value by.</summary>
    public static string Symbol(SweptParameter parameter) => parameter == SweptParameter.PolyAlpha ? "α" : "ε";

    /// <summary>The method at one value (its row name carries the value).</summary>
    public static Baseline At(SweptParameter parameter, double value, double beta) => parameter switch
    {
        SweptParameter.PolyAlpha => BaselineSuite.Of(["poly"], beta, polyAlpha: value)[0] with { Name = $"Poly-DPO (α={value:G3})" },
        SweptParameter.CdpoEpsilon => BaselineSuite.Of(["cdpo"], beta, smoothing: value)[0] with { Name = $"cDPO (ε={value:G3})" },
        _ => throw new ArgumentOutOfRangeException(nameof(parameter), parameter, null),
    };

    public static IReadOnlyList<SweepRow> Run(MiniatureStudy study, SweptParameter parameter, IReadOnlyList<double> values, DpoTrainConfig budget,
        ConfidenceConfig confidence, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        var baselines = (values.Contains(0) ? values : [0, .. values])   // 0 is the Diffusion-DPO every row is compared with
            .Select(v => (Value: v, Baseline: At(parameter, v, budget.Beta))).ToList();   // builds every loss first: a bad value fails before training
        var runs = new List<(double Value, double Accuracy, ImageSetScores Scores)>();
        foreach (var (value, baseline) in baselines)
        {
            var (model, _) = BaselineSuite.Train(baseline, study.BaseModel, study.Data, budget, null, progress, cancellation);
            using (model)
            {
                var z = new ConfidenceScorer(new DiffusionDpoLoss(budget.Beta), confidence).Score(model, study.BaseModel, study.Data.CleanTest, null, cancellation);
                var accuracy = ThresholdSchedule.MeanAccuracy(z);
                runs.Add((value, accuracy, study.Evaluate(model, baseline.Name, progress, cancellation)));
            }
        }
        var dpo = runs.First(r => r.Value == 0).Scores;
        return runs.Select(r => new SweepRow(r.Value, r.Accuracy, r.Scores.Utility,
            WinRate.Of(r.Scores, dpo, ImageSetScores.UtilityMetric), WinRate.Of(dpo, r.Scores, ImageSetScores.UtilityMetric))).ToList();
    }

    /// <summary>The value a user would pick: the highest clean-test accuracy (ties: the smaller |value|).</summary>
    public static double Chosen(IReadOnlyList<SweepRow> rows) =>
        rows.OrderByDescending(r => r.CleanTestAccuracy).ThenBy(r => Math.Abs(r.Value)).First().Value;
}
