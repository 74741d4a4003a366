namespace SemiDpo.Analysis;

/// <summary>A mean paired difference with its bootstrap interval.</summary>
/// <param name="Mean">Mean of A − B over the items (and seeds).</param>
/// <param name="Lower">Lower end of the percentile interval.</param>
/// <param name="Upper">Upper end.</param>
public sealed record PairedDifference(double Mean, double Lower, double Upper)
{
    /// <summary>+1 when the whole interval is above 0, −1 when below, 0 when it contains 0.</summary>
    public int Sign => Lower > 0 ? 1 : Upper < 0 ? -1 : 0;
}

/// <summary>
/// Paired bootstrap of a difference between two methods scored on the same evaluation items: the items are resampled
/// with replacement, the same draw for both methods, so the interval reflects which prompts were asked, not only the
/// noise of each method. Over several seeds the seeds are resampled too (two levels: seeds, then items).
/// </summary>
public static class PairedBootstrap
{
    /// <summary>Resamples per interval (2,000: the percentile ends move by well under 0.001 between draws here).</summary>
    public const int DefaultResamples = 2000;

    /// <summary>One seed: A − B per item.</summary>
    public static PairedDifference Of(ImageSetScores a, ImageSetScores b, string metric, double level = 0.95, int resamples = DefaultResamples, int seed = 7) =>
        Of([(a, b)], metric, level, resamples, seed);

    /// <summary>
    /// Several seeds of the same comparison on the same items: the mean of A − B over seeds and items, with an interval
    /// from resampling seeds and then items (one item draw shared by the drawn seeds).
    /// </summary>
    public static PairedDifference Of(IReadOnlyList<(ImageSetScores A, ImageSetScores B)> seeds, string metric, double level = 0.95,
        int resamples = DefaultResamples, int seed = 7)
    {
        if (seeds.Count == 0) throw new ArgumentException("At least one seed.", nameof(seeds));
        if (level is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(level), level, "The interval's level must be in (0, 1).");
        if (resamples < 1) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "At least one resample.");
        var differences = seeds.Select(s => Differences(s.A, s.B, metric)).ToArray();
        var items = differences[0].Length;
        if (differences.Any(d => d.Length != items)) throw new ArgumentException("Every seed must score the same items.", nameof(seeds));
        var mean = differences.Average(d => d.Average());
        var random = new Random(seed);
        var means = new double[resamples];
        var drawnSeeds = new int[seeds.Count];
        for (var r = 0; r < resamples; r++)
        {
            for (var s = 0; s < drawnSeeds.Length; s++) drawnSeeds[s] = seeds.Count == 1 ? 0 : random.Next(seeds.Count);
            var sum = 0.0;
            for (var i = 0; i < items; i++)
            {
                var item = random.Next(items);
                foreach (var s in drawnSeeds) sum += differences[s][item];
            }
            means[r] = sum / (items * drawnSeeds.Length);
        }
        Array.Sort(means);
        var tail = (1 - level) / 2;
        return new PairedDifference(mean, Quantile(means, tail), Quantile(means, 1 - tail));
    }

    static double[] Differences(ImageSetScores a, ImageSetScores b, string metric)
    {
        if (!a.Prompts.SequenceEqual(b.Prompts)) throw new ArgumentException($"{a.Name} and {b.Name} were scored on different prompts; a paired difference needs the same ones.");
        if (!a.PerPrompt.TryGetValue(metric, out var x) || !b.PerPrompt.TryGetValue(metric, out var y))
            throw new ArgumentException($"Metric '{metric}' is missing in {a.Name} or {b.Name}.");
        return x.Zip(y, (p, q) => p - q).ToArray();
    }

    /// <summary>Linear-interpolated quantile of ascending values.</summary>
    static double Quantile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
    }
}
