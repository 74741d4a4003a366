using Microsoft.Data.Analysis;
using SemiDpo.Data.World;
using SemiDpo.Imaging;
using SemiDpo.Rewards;

namespace SemiDpo.Analysis;

/// <summary>Scores of one set of images (one per prompt): oracle dimensions, true utility, and each judge.</summary>
/// <param name="Utilities">Per prompt, the true utility (for win rates).</param>
public sealed record ImageSetScores(
    string Name, int Images, double Alignment, double Aesthetics, double Detail, double Utility,
    IReadOnlyDictionary<string, double> Judges, double[] Utilities);

/// <summary>
/// Scores images drawn for held-out prompts with the world's pixel oracle (alignment, aesthetics, detail, and the
/// population utility that defines the true preference) and, optionally, with every judge; plus reference image sets
/// (random noise, each generator of the world) to place a model between the worst and the best.
/// </summary>
public static class SampleEvaluation
{
    public static ImageSetScores Score(string name, IReadOnlyList<string> prompts, IReadOnlyList<RgbImage> images,
        IReadOnlyList<IRewardModel>? judges = null, DimensionWeights? weights = null)
    {
        if (prompts.Count != images.Count) throw new ArgumentException($"{prompts.Count} prompts for {images.Count} images.");
        if (images.Count == 0) throw new ArgumentException("No images to score.", nameof(images));
        weights ??= new DimensionWeights();
        var oracle = new OracleScores[images.Count];
        Parallel.For(0, images.Count, i => oracle[i] = PixelOracle.Score(images[i], prompts[i]));
        var judgeMeans = (judges ?? []).ToDictionary(j => j.Name, j => j.Score(prompts, images).Average(s => (double)s));
        var utilities = oracle.Select(o => o.Utility(weights)).ToArray();
        return new ImageSetScores(name, images.Count, oracle.Average(o => o.Alignment), oracle.Average(o => o.Aesthetics),
            oracle.Average(o => o.Detail), utilities.Average(), judgeMeans, utilities);
    }

    /// <summary>Uniform random pixels, one image per prompt (the floor).</summary>
    public static RgbImage[] NoiseImages(int count, int size = 32, int seed = 0)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var pixels = new byte[size * size * 3];
            rng.NextBytes(pixels);
            return new RgbImage(size, size, pixels);
        }).ToArray();
    }

    /// <summary>One render of each prompt by a generator of the world, with its flaws.</summary>
    public static RgbImage[] GeneratorImages(GeneratorProfile generator, IReadOnlyList<string> prompts, int size = 32, int seed = 0) =>
        prompts.Select((p, i) =>
        {
            var rng = new Random(StableHash.Mix(seed, i));
            var asked = SceneSpec.Parse(p);
            return Renderer.Render(asked, generator.SampleFlaws(asked, rng), size, rng);
        }).ToArray();

    /// <summary>Held-out prompts of the grammar (never in training pairs), the first <paramref name="count"/> in a seeded order.</summary>
    public static IReadOnlyList<string> HeldOutPrompts(int count, int seed = 42)
    {
        var prompts = PromptGrammar.HeldOut.Select(s => s.Caption).ToArray();
        new Random(seed).Shuffle(prompts);
        return prompts[..Math.Min(count, prompts.Length)];
    }

    public static DataFrame ToFrame(IReadOnlyList<ImageSetScores> sets)
    {
        var frame = new DataFrame(
            new StringDataFrameColumn("images", sets.Select(s => s.Name)),
            new DoubleDataFrameColumn("alignment", sets.Select(s => s.Alignment)),
            new DoubleDataFrameColumn("aesthetics", sets.Select(s => s.Aesthetics)),
            new DoubleDataFrameColumn("detail", sets.Select(s => s.Detail)),
            new DoubleDataFrameColumn("true utility", sets.Select(s => s.Utility)));
        foreach (var judge in sets.SelectMany(s => s.Judges.Keys).Distinct())
            frame.Columns.Add(new DoubleDataFrameColumn(judge, sets.Select(s => s.Judges.GetValueOrDefault(judge, double.NaN))));
        return frame;
    }
}
