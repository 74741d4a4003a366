namespace SemiDpo.Preferences;

/// <summary>One image of <see cref="KtoImages"/>: which set and pair it comes from, which side, and its label.</summary>
public readonly record struct KtoImage(int Set, int Pair, bool Winner, bool Desirable);

/// <summary>
/// Diffusion-KTO's unpaired data, as the official train_kto_sd_v1.5.py builds it with its default policy
/// <c>gt_label_wi_l</c>: every distinct image of the non-tie pairs once (images are the same when their uids are; an
/// image without a uid is its own), desirable when it won any pair — an image that won one pair and lost another (the
/// "intersections") counts as desirable — undesirable when it only lost. <see cref="Draw"/> samples as the official
/// <c>WeightedRandomSampler</c> does: with replacement, a share <c>positive_ratio</c> of the draws desirable.
/// </summary>
public sealed class KtoImages
{
    readonly int[] desirable;
    readonly int[] undesirable;

    KtoImages(IReadOnlyList<KtoImage> images)
    {
        Images = images;
        desirable = Enumerable.Range(0, images.Count).Where(i => images[i].Desirable).ToArray();
        undesirable = Enumerable.Range(0, images.Count).Where(i => !images[i].Desirable).ToArray();
    }

    public IReadOnlyList<KtoImage> Images { get; }
    public int DesirableCount => desirable.Length;
    public int UndesirableCount => undesirable.Length;

    /// <summary>The distinct images of <paramref name="sets"/> (non-tie pairs, human winner first), in set, pair, winner-then-loser order.</summary>
    public static KtoImages From(IReadOnlyList<PairSet> sets)
    {
        var everWon = new HashSet<string>(sets.SelectMany(s => s.ImageUids).Select(u => u.Winner).Where(uid => uid.Length > 0), StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var images = new List<KtoImage>();
        for (var s = 0; s < sets.Count; s++)
        for (var p = 0; p < sets[s].Count; p++)
        {
            var (winner, loser) = sets[s].ImageUids[p];
            if (winner.Length == 0 || seen.Add(winner)) images.Add(new KtoImage(s, p, Winner: true, Desirable: true));
            if (loser.Length == 0 || seen.Add(loser)) images.Add(new KtoImage(s, p, Winner: false, Desirable: everWon.Contains(loser)));
        }
        return new KtoImages(images);
    }

    /// <summary>
    /// <paramref name="count"/> image indices drawn with replacement, each desirable with probability
    /// <paramref name="positiveRatio"/> and uniform within its class (all from one class when the other is empty).
    /// </summary>
    public int[] Draw(int count, double positiveRatio, Random rng)
    {
        if (positiveRatio is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(positiveRatio), positiveRatio, "The positive ratio must be in [0, 1].");
        if (Images.Count == 0) throw new InvalidOperationException("No images to draw from.");
        return Enumerable.Range(0, count).Select(_ =>
        {
            var pool = undesirable.Length == 0 || (desirable.Length > 0 && rng.NextDouble() < positiveRatio) ? desirable : undesirable;
            return pool[rng.Next(pool.Length)];
        }).ToArray();
    }
}
