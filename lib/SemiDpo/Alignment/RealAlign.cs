using SemiDpo.Data;
using SemiDpo.Data.World;
using SemiDpo.Diffusion;
using SemiDpo.Imaging;
using SemiDpo.Rewards;
using SemiDpo.Torch;
using SemiDpo.Training;

namespace SemiDpo.Alignment;

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
/// RealAlign (Cwyxx/RealAlign) in the miniature world: preference pairs without annotation — winner a real image,
/// loser the same image with its salient region regenerated — then Diffusion-DRO on the real images (stage 1) and
/// Diffusion-DPO on the pairs with the stage-1 model as reference (stage 2). In the world a "real" image is the
/// renderer's flaw-free image of a training caption and "inpainting" re-renders the objects (not the background) with
/// a generator's object mistakes: colour, shape, count, placement, contrast, off-centre. The world cannot test what
/// makes real data hard: its real images are flawless by construction.
/// </summary>
public static class RealAlign
{
    /// <summary>Candidate i: the real image of a drawn training caption (label 1) and its degraded twin (label 0), with the truth.</summary>
    public static PreferencePair Candidate(WorldConfig world, int seed, long index)
    {
        var rng = new Random(StableHash.Mix(seed ^ 0x2EA1, index));
        var asked = PromptGrammar.Train[rng.Next(PromptGrammar.Train.Count)];
        var generator = world.Generators[rng.Next(world.Generators.Count)];
        var objectMistakes = generator.SampleFlaws(asked, rng) with { WrongBackground = null, Dullness = 0, Blur = 0, Noise = 0, Jagged = false };
        var layout = rng.Next();   // the same object jitter in both images: only the mistakes differ
        var real = Renderer.Render(asked, RenderFlaws.None, world.ImageSize, new Random(layout));
        var degraded = Renderer.Render(asked, objectMistakes, world.ImageSize, new Random(layout));
        var (s0, s1) = (PixelOracle.Score(real, asked), PixelOracle.Score(degraded, asked));
        return new PreferencePair(asked.Caption, real, degraded, 1, 0,
            new PairMetadata(Model0: "real", Model1: $"inpainted ({generator.Name})", RankingId: index),
            new GroundTruth(s0, s1, s0.Utility(world.Weights), s1.Utility(world.Weights)));
    }

    /// <summary>
    /// The candidates through RealAlign's filters: colourfulness (Hasler–Süsstrunk) of the real image above the
    /// degraded one's, PickScore(real) − PickScore(degraded) &gt; margin, then the top <see cref="RealAlignConfig.Keep"/>
    /// by PickScore(real).
    /// </summary>
    public static (IReadOnlyList<PreferencePair> Pairs, RealAlignStats Stats) Build(WorldConfig world, IRewardModel pickScore, RealAlignConfig config)
    {
        config.Validate();
        var candidates = Enumerable.Range(0, config.Candidates).AsParallel().AsOrdered().Select(i => Candidate(world, config.Seed, i)).ToList();
        var colourful = candidates.Where(p => new PixelView(p.Image0).Colourfulness() > new PixelView(p.Image1).Colourfulness()).ToList();
        var prompts = colourful.Select(p => p.Caption).ToList();
        var real = pickScore.Score(prompts, colourful.Select(p => p.Image0).ToList());
        var degraded = pickScore.Score(prompts, colourful.Select(p => p.Image1).ToList());
        var above = Enumerable.Range(0, colourful.Count).Where(i => real[i] - degraded[i] > config.PickScoreMargin).ToList();
        var kept = above.OrderByDescending(i => real[i]).ThenBy(i => i).Take(config.Keep).Select(i => colourful[i]).ToList();
        var truly = kept.Count == 0 ? double.NaN : kept.Count(p => p.Truth!.TruePreference > 0) / (double)kept.Count;
        return (kept, new RealAlignStats(candidates.Count, colourful.Count, above.Count, kept.Count, truly));
    }

    /// <summary>
    /// Both stages from <paramref name="baseModel"/> within <paramref name="budget"/>'s steps: stage 1 Diffusion-DRO on the
    /// real images (reference: the base model), stage 2 Diffusion-DPO on the pairs (reference: the stage-1 model).
    /// Returns both models (the caller disposes them); checkpoints go to <paramref name="folder"/> (realalign-dro.ckpt,
    /// realalign-dpo.ckpt) so a run resumes.
    /// </summary>
    public static (DiffusionModel Dro, DiffusionModel Final) Train(DiffusionModel baseModel, PairSet pairs, DpoTrainConfig budget, RealAlignConfig config,
        string? folder = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        config.Validate();
        if (budget.Steps < 2) throw new ArgumentOutOfRangeException(nameof(budget), budget.Steps, "RealAlign needs at least 2 steps: one per stage.");
        var droSteps = Math.Clamp((int)Math.Round(budget.Steps * config.DroShare), 1, budget.Steps - 1);
        var stage = (int steps) => budget with { Steps = steps, WarmupSteps = Math.Min(budget.WarmupSteps, steps) };
        var dro = baseModel.Copy();
        DiffusionModel? final = null;
        try
        {
            new DiffusionDroTrainer(stage(droSteps), config.Dro).Train("RealAlign: DRO", dro, baseModel, pairs,
                folder is null ? null : Path.Combine(folder, "realalign-dro.ckpt"), progress, cancellation);
            final = dro.Copy();
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
