using SemiDpo.Data;
using SemiDpo.Preferences;
using SemiDpo.Rewards;
using SemiDpo.StableDiffusion;

namespace SemiDpo.Cli.Commands;

/// <summary>The Stage-2 sets as a Stable Diffusion command reads them: the latent cache when it is complete, else the images.</summary>
static class StableDiffusionInputs
{
    /// <summary>
    /// The cached latents of <paramref name="files"/> (with <paramref name="mirrored"/>, only a cache that holds the
    /// mirrored images' latents too), or the images resized and centre-cropped to <paramref name="resolution"/>², with
    /// a line that says which.
    /// </summary>
    public static async Task<(StageTwoData Data, string Source)> LoadAsync(StableDiffusionModel model, ConsensusFiles files, int resolution, bool mirrored,
        PickapicReadOptions options, SkippedRows skipped, CancellationToken cancellation)
    {
        var cached = await LatentCache.TryLoadAsync(model, files, resolution, model.SamplesLatents, mirrored, cancellation);
        if (cached is not null) return (cached, mirrored ? "(cached latents, mirrored ones included)" : "(cached latents)");
        var data = await StageTwoData.LoadAsync(files, model.Tokenizer, cancellation, resolution, options, skipped);
        return (data, mirrored ? "(images, mirrored at random and encoded every step: run `semidpo latents --hflip` to cache both orientations)"
            : "(images, encoded every step: run `semidpo latents` to cache them)");
    }
}
