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

    /// <summary>
    /// Draws from <paramref name="generator"/> exactly what <see cref="Like"/> draws for a tensor of
    /// <paramref name="shape"/> and <paramref name="dtype"/>, keeping nothing: a data-parallel rank passing over another
    /// rank's micro-batch keeps the generator where one process would have it.
    /// </summary>
    public static void Skip(long[] shape, ScalarType dtype, Generator generator) => randn(shape, dtype: dtype, generator: generator).Dispose();
}
