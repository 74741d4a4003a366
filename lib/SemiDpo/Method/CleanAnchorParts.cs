namespace SemiDpo.Method;

/// <summary>
/// The clean pairs in three parts, one per later iteration's anchors — sorted(clean_idx) split as the official README
/// does with np.array_split(…, 3).
/// </summary>
public static class CleanAnchorParts
{
    /// <summary>Part <paramref name="part"/> (0–2) of <paramref name="count"/> items: the first count mod 3 parts get one more.</summary>
    public static Range Third(int count, int part)
    {
        int Start(int k) => k * (count / 3) + Math.Min(k, count % 3);
        return Start(part)..Start(part + 1);
    }
}
