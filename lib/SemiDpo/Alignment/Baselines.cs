using SemiDpo.Diffusion;
using SemiDpo.Training;

namespace SemiDpo.Alignment;

/// <summary>Which pairs a baseline trains on.</summary>
public enum BaselineData
{
    /// <summary>Every non-tie pair with its human label: clean train + noisy (the clean test split stays out).</summary>
    AllNonTie,
    /// <summary>The clean training pairs only (Diffusion-DPO on the clean subset = Semi-DPO's Iter0).</summary>
    CleanOnly,
}

/// <summary>A method Semi-DPO is compared with: a loss and the pairs it sees.</summary>
public sealed record Baseline(string Name, IPreferenceLoss Loss, BaselineData Data);

/// <summary>
/// The comparisons of the paper's Tables 1–2 and the standard ones for noisy labels, trained from the base model with
/// the same trainer, step budget, batch, learning rate and seed as Semi-DPO (see <see cref="Train"/>).
/// </summary>
public static class Baselines
{
    /// <summary>SFT on winners, Diffusion-DPO on all non-tie pairs (the main comparison), Diffusion-KTO, conservative DPO.</summary>
    public static IReadOnlyList<Baseline> Standard(double beta = DiffusionDpoLoss.OfficialBeta, double smoothing = 0.1) =>
    [
        new("SFT (winners)", new SupervisedFineTuningLoss(), BaselineData.AllNonTie),
        new("Diffusion-DPO (all)", new DiffusionDpoLoss(beta), BaselineData.AllNonTie),
        new("Diffusion-KTO", new DiffusionKtoLoss(beta), BaselineData.AllNonTie),
        new($"cDPO (ε={smoothing:G2})", new ConservativeDpoLoss(beta, smoothing), BaselineData.AllNonTie),
    ];

    /// <summary>
    /// Trains a copy of <paramref name="baseModel"/> (the caller owns the result). <paramref name="budget"/> is the
    /// stage config; <see cref="SemiDpoConfig.TotalBudget"/> gives Semi-DPO's (all its iterations' steps in one stage).
    /// </summary>
    public static (DiffusionModel Model, TrainingLog Log) Train(Baseline baseline, DiffusionModel baseModel, StageTwoData data,
        DpoTrainConfig budget, string? checkpoint = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        var examples = TrainingExample.Labeled(data.CleanTrain.Count).ToList();
        if (baseline.Data == BaselineData.AllNonTie) examples.AddRange(TrainingExample.HumanLabeled(data.Unlabeled.Count, fromUnlabeled: true));
        var policy = baseModel.Copy();
        try
        {
            var log = new DpoTrainer(budget, baseline.Loss).Train(baseline.Name, policy, baseModel, data.CleanTrain, data.Unlabeled, examples, checkpoint, progress, cancellation);
            return (policy, log);
        }
        catch
        {
            policy.Dispose();
            throw;
        }
    }
}
