namespace SemiDpo.Preferences;

/// <summary>
/// The paper's 10 timestep intervals [t−50, t+50) around the anchors t ∈ {50, 150, …, 950} (T = 1000): confidence is
/// measured at the anchors, thresholds are set per interval, and a pseudo-labelled pair trains only at timesteps of
/// its accepted intervals.
/// </summary>
public static class TimestepIntervals
{
    public const int Count = 10;
    public const int Width = 100;

    public static int Anchor(int interval) => interval * Width + Width / 2;

    public static int Of(long t) => (int)(t / Width);

    /// <summary>All intervals as a bit mask.</summary>
    public const ushort All = (1 << Count) - 1;

    /// <summary>A timestep drawn uniformly from the union of the intervals in <paramref name="mask"/>.</summary>
    public static long Draw(ushort mask, Random rng, out int interval)
    {
        if (mask == 0) throw new ArgumentException("No interval to draw from.", nameof(mask));
        var allowed = Enumerable.Range(0, Count).Where(j => (mask & (1 << j)) != 0).ToArray();
        interval = allowed[rng.Next(allowed.Length)];
        return interval * Width + rng.Next(Width);
    }
}
