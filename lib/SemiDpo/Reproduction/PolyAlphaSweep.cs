using SemiDpo.Alignment;
using SemiDpo.Analysis;
using SemiDpo.Training;

namespace SemiDpo.Reproduction;

/// <summary>One α of the Poly-DPO sweep.</summary>
/// <param name="Alpha">α (0 = Diffusion-DPO).</param>
/// <param name="CleanTestAccuracy">The trained model's implicit accuracy on the clean test split against the base model, mean over the timestep intervals: what a user without ground truth can select on.</param>
/// <param name="TrueUtility">Mean true utility of its samples (ground truth, for the reader).</param>
/// <param name="WinsVsDpo">Share of prompts where it beats α = 0 on the true preference.</param>
/// <param name="LosesVsDpo">Share where α = 0 beats it.</param>
public sealed record PolyAlphaRow(double Alpha, double CleanTestAccuracy, double TrueUtility, double WinsVsDpo, double LosesVsDpo);

/// <summary>
/// Poly-DPO's α chosen as a user would: train Poly-DPO on all non-tie pairs for each α with the same budget and seed,
/// read each model's implicit accuracy on the clean test split (the consensus pairs held out from training), pick the
/// best — and, in the world, also report what the truth says of each α.
/// </summary>
public static class PolyAlphaSweep
{
    /// <summary>The authors' sweep range (α ∈ {−1 … 1}) and the larger values they report for Pick-a-Pic.</summary>
    public static IReadOnlyList<double> DefaultAlphas { get; } = [-1, 0, 1, 2, 4, 8];

    public static IReadOnlyList<PolyAlphaRow> Run(MiniatureStudy study, IReadOnlyList<double> alphas, DpoTrainConfig budget, ConfidenceConfig confidence,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        if (!alphas.Contains(0)) alphas = [0, .. alphas];   // α = 0 is the Diffusion-DPO every row is compared with
        var runs = new List<(double Alpha, double Accuracy, ImageSetScores Scores)>();
        foreach (var alpha in alphas)
        {
            var baseline = Baselines.Of(["poly"], budget.Beta, polyAlpha: alpha)[0] with { Name = $"Poly-DPO (α={alpha:G3})" };
            var (model, _) = Baselines.Train(baseline, study.BaseModel, study.Data, budget, null, progress, cancellation);
            using (model)
            {
                var z = new ConfidenceScorer(new DiffusionDpoLoss(budget.Beta), confidence).Score(model, study.BaseModel, study.Data.CleanTest, null, cancellation);
                var accuracy = Enumerable.Range(0, TimestepIntervals.Count).Average(j => ThresholdSchedule.Accuracy(z.Interval(j)));
                runs.Add((alpha, accuracy, study.Evaluate(model, baseline.Name, progress, cancellation)));
            }
        }
        var dpo = runs.First(r => r.Alpha == 0).Scores;
        return runs.Select(r => new PolyAlphaRow(r.Alpha, r.Accuracy, r.Scores.Utility,
            WinRate.Of(r.Scores, dpo, ImageSetScores.UtilityMetric), WinRate.Of(dpo, r.Scores, ImageSetScores.UtilityMetric))).ToList();
    }

    /// <summary>The α a user would pick: the highest clean-test accuracy (ties: the smaller |α|).</summary>
    public static double Chosen(IReadOnlyList<PolyAlphaRow> rows) =>
        rows.OrderByDescending(r => r.CleanTestAccuracy).ThenBy(r => Math.Abs(r.Alpha)).First().Alpha;
}
