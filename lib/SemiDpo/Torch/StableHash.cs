namespace SemiDpo.Torch;

/// <summary>Seed mixing that is the same in every process and on every platform (unlike <see cref="HashCode"/>).</summary>
public static class StableHash
{
    /// <summary>A 32-bit seed for item <paramref name="index"/> of a stream seeded with <paramref name="seed"/> (SplitMix64 finaliser).</summary>
    public static int Mix(int seed, long index)
    {
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)index);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)(z ^ (z >> 31));
    }
}
