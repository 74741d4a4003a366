using static TorchSharp.torch;

namespace SemiDpo.Torch;

/// <summary>Gaussian noise for a run that owns its random state.</summary>
public static class Noise
{
    /// <summary>
    /// ε ~ N(0, I) shaped like <paramref name="like"/>: from <paramref name="generator"/> (a CPU generator: drawn on the
    /// CPU and moved to the tensor's device, so a run gives the same numbers on any device), or without one from torch's
    /// global generator on the tensor's device.
    /// </summary>
    public static Tensor Like(Tensor like, Generator? generator) =>
        generator is null ? randn_like(like) : randn(like.shape, dtype: like.dtype, generator: generator).to(like.device);
}
