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
    /// mirrored images' latents too), or the images resized and centre-cropped to <paramref name="resolution"/>² — held,
    /// or streamed from the shards a batch at a time for sets too large to hold (every set with
    /// <paramref name="streamImages"/>) — with a line that says which.
    /// </summary>
    public static async Task<(StageTwoData Data, string Source)> LoadAsync(StableDiffusionModel model, ConsensusFiles files, int resolution, bool mirrored, bool streamImages,
        PickapicReadOptions options, SkippedRows skipped, CancellationToken cancellation)
    {
        var cached = await LatentCache.TryLoadAsync(model, files, resolution, model.SamplesLatents, mirrored, cancellation);
        if (cached is not null) return (cached, mirrored ? "(cached latents, mirrored ones included)" : "(cached latents)");
        var data = await StageTwoData.LoadAsync(files, model.Tokenizer, cancellation, resolution, options, skipped, streamImages ? true : null);
        return (data, $"(images {Holding(data)}, {(mirrored ? "mirrored at random and " : "")}encoded every step: run `semidpo latents{(mirrored ? " --hflip" : "")}` to cache {(mirrored ? "both orientations" : "them")})");
    }

    /// <summary>Which sets hold their images and which stream them from their shards.</summary>
    static string Holding(StageTwoData data)
    {
        var streamed = new[] { ("clean-train", data.CleanTrain), ("clean-test", data.CleanTest), ("noisy", data.Unlabeled) }
            .Where(s => s.Item2.StreamsImages).Select(s => s.Item1).ToList();
        return streamed.Count switch
        {
            0 => "held in memory",
            3 => "streamed from the shards a batch at a time",
            _ => $"of {string.Join(" and ", streamed)} streamed from the shards a batch at a time, the others held",
        };
    }
}
