namespace SemiDpo.Preferences;

/// <summary>
/// A latent cache's second orientation (<c>semidpo latents --hflip</c>): the VAE latents of each pair's two images
/// mirrored left–right, means and — when batches draw a sample — standard deviations, in the pair set's order. A VAE is
/// not mirror-equivariant, so flipping a latent is not the latent of the flipped image: these are encoded from the
/// mirrored images, which makes Diffusion-DPO's flip augmentation train from the cache exactly as from the images.
/// </summary>
public sealed record MirroredLatents(PairRows Winners, PairRows Losers, (PairRows Winners, PairRows Losers)? Std) : IDisposable
{
    /// <summary>The same rows of every part (a subset lists rows, it does not copy them).</summary>
    public MirroredLatents Pick(IReadOnlyList<long> rows) =>
        new(Winners.Pick(rows), Losers.Pick(rows), Std is { } std ? (std.Winners.Pick(rows), std.Losers.Pick(rows)) : null);

    public void Dispose()
    {
        Winners.Dispose();
        Losers.Dispose();
        Std?.Winners.Dispose();
        Std?.Losers.Dispose();
    }
}
