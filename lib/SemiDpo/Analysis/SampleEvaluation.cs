using Microsoft.Data.Analysis;
using SemiDpo.Data;
using SemiDpo.Imaging;
using SemiDpo.Rewards;
using SemiDpo.Torch;
using SemiDpo.World;

namespace SemiDpo.Analysis;

/// <summary>
/// Scores of one set of images, one per prompt: per prompt and metric (the oracle's alignment, aesthetics, detail and
/// true utility, then each judge), so means and per-prompt win rates come from the same numbers.
/// </summary>
public sealed record ImageSetScores(string Name, IReadOnlyList<string> Prompts, IReadOnlyList<string> Metrics,
    IReadOnlyDictionary<string, double[]> PerPrompt)
{
    public const string AlignmentMetric = "alignment", AestheticsMetric = "aesthetics", DetailMetric = "detail", UtilityMetric = "true utility";

    /// <summary>The oracle's metrics, in table order (the true preference compares <see cref="UtilityMetric"/>).</summary>
    public static IReadOnlyList<string> OracleMetrics { get; } = [AlignmentMetric, AestheticsMetric, DetailMetric, UtilityMetric];

    public int Images => Prompts.Count;
    public double Mean(string metric) => PerPrompt[metric].Average();
    public double Alignment => Mean(AlignmentMetric);
    public double Aesthetics => Mean(AestheticsMetric);
    public double Detail => Mean(DetailMetric);
    public double Utility => Mean(UtilityMetric);

    /// <summary>The judges' names (the metrics after the oracle's).</summary>
    public IEnumerable<string> Judges => Metrics.Skip(OracleMetrics.Count);

    /// <summary>The same scores on the items whose prompt satisfies <paramref name="prompt"/> (a slice of the evaluation).</summary>
    public ImageSetScores Where(Func<string, bool> prompt)
    {
        var kept = Enumerable.Range(0, Prompts.Count).Where(i => prompt(Prompts[i])).ToArray();
        return this with
        {
            Prompts = kept.Select(i => Prompts[i]).ToList(),
            PerPrompt = PerPrompt.ToDictionary(m => m.Key, m => kept.Select(i => m.Value[i]).ToArray()),
        };
    }
}

/// <summary>
/// Scores images drawn for held-out prompts with the world's pixel oracle (alignment, aesthetics, detail, and the
/// population utility that defines the true preference) and, optionally, with every judge; plus reference image sets
/// (random noise, each generator of the world) to place a model between the worst and the best.
/// </summary>
public static class SampleEvaluation
{
    /// <summary>Scores by the judges alone (real prompts and models, where no oracle exists): Tables 1–2 on real data.</summary>
    public static ImageSetScores ScoreByJudges(string name, IReadOnlyList<string> prompts, IReadOnlyList<RgbImage> images, IReadOnlyList<IRewardModel> judges)
    {
        if (prompts.Count != images.Count) throw new ArgumentException($"{prompts.Count} prompts for {images.Count} images.");
        var perPrompt = judges.ToDictionary(j => j.Name, j => j.Score(prompts, images).Select(v => (double)v).ToArray());
        return new ImageSetScores(name, prompts, judges.Select(j => j.Name).ToList(), perPrompt);
    }

    public static ImageSetScores Score(string name, IReadOnlyList<string> prompts, IReadOnlyList<RgbImage> images,
        IReadOnlyList<IRewardModel>? judges = null, DimensionWeights? weights = null)
    {
        if (prompts.Count != images.Count) throw new ArgumentException($"{prompts.Count} prompts for {images.Count} images.");
        if (images.Count == 0) throw new ArgumentException("No images to score.", nameof(images));
        weights ??= new DimensionWeights();
        var oracle = new OracleScores[images.Count];
        Parallel.For(0, images.Count, i => oracle[i] = PixelOracle.Score(images[i], prompts[i]));
        var perPrompt = new Dictionary<string, double[]>
        {
            [ImageSetScores.AlignmentMetric] = oracle.Select(o => o.Alignment).ToArray(),
            [ImageSetScores.AestheticsMetric] = oracle.Select(o => o.Aesthetics).ToArray(),
            [ImageSetScores.DetailMetric] = oracle.Select(o => o.Detail).ToArray(),
            [ImageSetScores.UtilityMetric] = oracle.Select(o => o.Utility(weights)).ToArray(),
        };
        foreach (var judge in judges ?? []) perPrompt[judge.Name] = judge.Score(prompts, images).Select(v => (double)v).ToArray();
        return new ImageSetScores(name, prompts.ToArray(), [.. perPrompt.Keys], perPrompt);
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

    /// <summary>Mean of every metric per image set (Table 1's layout).</summary>
    public static DataFrame ToFrame(IReadOnlyList<ImageSetScores> sets)
    {
        var frame = new DataFrame(new StringDataFrameColumn("images", sets.Select(s => s.Name)));
        foreach (var metric in sets.SelectMany(s => s.Metrics).Distinct())
            frame.Columns.Add(new DoubleDataFrameColumn(metric, sets.Select(s => s.PerPrompt.TryGetValue(metric, out var v) ? v.Average() : double.NaN)));
        return frame;
    }
}
