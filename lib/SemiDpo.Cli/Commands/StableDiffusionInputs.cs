using SemiDpo.Data;
using SemiDpo.Preferences;
using SemiDpo.Rewards;
using SemiDpo.StableDiffusion;

namespace SemiDpo.Cli.Commands;

/// <summary>The Stage-2 sets as a Stable Diffusion command reads them: the latent cache when it is complete, else the images.</summary>
static class StableDiffusionInputs
{
    /// <summary>
    /// The cached latents of <paramref name="files"/> (unless <paramref name="mirrored"/>: the cache holds latents of
    /// unmirrored images), or the images resized and centre-cropped to <paramref name="resolution"/>², with a line that
    /// says which.
    /// </summary>
    public static async Task<(StageTwoData Data, string Source)> LoadAsync(StableDiffusionModel model, ConsensusFiles files, int resolution, bool mirrored,
        PickapicReadOptions options, SkippedRows skipped, CancellationToken cancellation)
    {
        var cached = mirrored ? null : await LatentCache.TryLoadAsync(model, files, resolution, model.SamplesLatents, cancellation);
        if (cached is not null) return (cached, "(cached latents)");
        var data = await StageTwoData.LoadAsync(files, model.Tokenizer, cancellation, resolution, options, skipped);
        return (data, mirrored ? "(images, mirrored at random and encoded every step)" : "(images, encoded every step: run `semidpo latents` to cache them)");
    }
}
