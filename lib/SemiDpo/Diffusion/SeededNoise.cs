using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Diffusion;

/// <summary>
/// Gaussian noise for one item, drawn from its own generator seeded by (seed, key, index): the same item gets the same
/// noise whatever batch or process it is drawn in (sampling per prompt, confidence per pair, gradients per pair).
/// </summary>
public static class SeededNoise
{
    /// <summary>N(0, 1) of shape (1, <paramref name="itemShape"/>…) on the CPU.</summary>
    public static Tensor For(int seed, long key, long index, ReadOnlySpan<long> itemShape)
    {
        using var generator = new Generator((ulong)(uint)StableHash.Mix(StableHash.Mix(seed, key), index));
        return randn([1, .. itemShape], generator: generator);
    }
}
