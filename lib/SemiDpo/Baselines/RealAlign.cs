using SemiDpo.Diffusion;
using SemiDpo.Preferences;
using SemiDpo.Training;

namespace SemiDpo.Baselines;

/// <summary>
/// RealAlign's settings (Cwyxx/RealAlign): how many real/degraded candidates to make, the filters, and how the budget
/// is split between its two stages.
/// </summary>
/// <param name="Candidates">Real images made (one per drawn training caption), each with one degraded twin.</param>
/// <param name="Keep">N: the pairs kept after the filters, the top N by the PickScore judge's score of the real image.</param>
/// <param name="PickScoreMargin">A pair is kept when PickScore(real) − PickScore(degraded) exceeds this (the authors: 0.02, in PickScore's units; here the MiniPickScore judge's).</param>
/// <param name="DroShare">Share of the step budget for stage 1 (Diffusion-DRO on the real images); stage 2 (Diffusion-DPO on the pairs) gets the rest.</param>
/// <param name="Seed">Draws the captions and the degradations.</param>
public sealed record RealAlignConfig(int Candidates = 3000, int Keep = 1500, double PickScoreMargin = 0.02, double DroShare = 0.5, int Seed = 1)
{
    public DiffusionDroConfig Dro { get; init; } = new();

    public void Validate()
    {
        if (Candidates < 1 || Keep < 1) throw new ArgumentOutOfRangeException(nameof(Keep), Keep, "Candidates and Keep must be at least 1.");
        if (DroShare is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(DroShare), DroShare, "The DRO stage's share must be in (0, 1).");
        Dro.Validate();
    }
}

/// <summary>What RealAlign's filters kept, and (world only) how often the kept real image is truly the better one.</summary>
public sealed record RealAlignStats(int Candidates, int MoreColourful, int PickScoreAbove, int Kept, double RealTrulyBetter);

/// <summary>
/// RealAlign (Cwyxx/RealAlign): preference pairs without annotation — winner a real image, loser the same image with its
/// salient region regenerated — then Diffusion-DRO on the real images (stage 1) and Diffusion-DPO on the pairs with the
/// stage-1 model as reference (stage 2). The miniature world's pairs come from <c>World.RealAlignPairs</c>; the world
/// cannot test what makes real data hard: its real images are flawless by construction.
/// </summary>
public static class RealAlign
{
    /// <summary>
    /// Both stages from <paramref name="baseModel"/> within <paramref name="budget"/>'s steps: stage 1 Diffusion-DRO on the
    /// real images (reference: the base model), stage 2 Diffusion-DPO on the pairs (reference: the stage-1 model).
    /// Returns both models (the caller disposes them); checkpoints go to <paramref name="folder"/> (realalign-dro.ckpt,
    /// realalign-dpo.ckpt) so a run resumes.
    /// </summary>
    public static (TModel Dro, TModel Final) Train<TModel>(TModel baseModel, PairSet pairs, DpoTrainConfig budget, RealAlignConfig config,
        string? folder = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
        where TModel : class, IDiffusionModel
    {
        config.Validate();
        if (budget.Steps < 2) throw new ArgumentOutOfRangeException(nameof(budget), budget.Steps, "RealAlign needs at least 2 steps: one per stage.");
        var droSteps = Math.Clamp((int)Math.Round(budget.Steps * config.DroShare), 1, budget.Steps - 1);
        var stage = (int steps) => budget with { Steps = steps, WarmupSteps = Math.Min(budget.WarmupSteps, steps) };
        var dro = (TModel)baseModel.Copy();
        TModel? final = null;
        try
        {
            new DiffusionDroTrainer(stage(droSteps), config.Dro).Train("RealAlign: DRO", dro, baseModel, pairs,
                folder is null ? null : Path.Combine(folder, "realalign-dro.ckpt"), progress, cancellation);
            final = (TModel)dro.Copy();
            new DpoTrainer(stage(budget.Steps - droSteps)).Train("RealAlign: DPO", final, dro, pairs, null, TrainingExample.Labeled(pairs.Count).ToList(),
                folder is null ? null : Path.Combine(folder, "realalign-dpo.ckpt"), progress, cancellation);
            return (dro, final);
        }
        catch
        {
            dro.Dispose();
            final?.Dispose();
            throw;
        }
    }
}
