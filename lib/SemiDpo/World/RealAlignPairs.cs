using SemiDpo.Baselines;
using SemiDpo.Data;
using SemiDpo.Rewards;
using SemiDpo.Torch;

namespace SemiDpo.World;

/// <summary>
/// RealAlign's pairs in the miniature world (<see cref="RealAlign"/> trains on them): a "real" image is the renderer's
/// flaw-free image of a training caption and "inpainting" re-renders the objects (not the background) with a
/// generator's object mistakes.
/// </summary>
public static class RealAlignPairs
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
}
