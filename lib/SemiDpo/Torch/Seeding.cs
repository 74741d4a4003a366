using static TorchSharp.torch;

namespace SemiDpo.Torch;

/// <summary>Reproducible runs: one seed drives torch (CPU and CUDA generators) and the managed <see cref="Random"/> it returns.</summary>
public static class Seeding
{
    /// <summary>Seeds torch's generators and returns a managed RNG seeded the same way.</summary>
    public static Random Everything(int seed)
    {
        TorchRuntime.EnsureNativeCompat();
        manual_seed(seed);
        if (cuda.is_available()) cuda.manual_seed_all(seed);
        return new Random(seed);
    }
}
