using SemiDpo.Imaging;
using static TorchSharp.torch;

namespace SemiDpo.Diffusion;

/// <summary>
/// Text-to-image sampling for any <see cref="IDiffusionModel"/>: seeded x_T per prompt in the training space, DDIM or
/// the model's own scheduler (<see cref="SamplerConfig.Kind"/>) with classifier-free guidance (conditional and null
/// caption in one batched forward), then back to pixels.
/// </summary>
public static class DiffusionSampling
{
    /// <summary>
    /// Images (N, 3, H, W) in about −1…1, on the CPU. With <see cref="NoiseSeeding.PerImage"/> image k starts from noise
    /// seeded by (seed, prompt, <paramref name="firstIndex"/> + k), so a prompt's image does not depend on the batch it
    /// was drawn in; with <see cref="NoiseSeeding.PerPrompt"/> as the official evaluation seeds it, the prompts being
    /// consecutive groups of <paramref name="imagesPerPrompt"/> images of one prompt each.
    /// </summary>
    public static Tensor Sample(IDiffusionModel model, IReadOnlyList<string> prompts, SamplerConfig sampler, int height, int width,
        int firstIndex = 0, int batchSize = 64, IProgress<int>? progress = null, NoiseSeeding seeding = NoiseSeeding.PerImage, int imagesPerPrompt = 1)
    {
        var shape = model.TrainingShape(height, width);
        using var perPrompt = seeding == NoiseSeeding.PerPrompt ? PerPromptNoise(prompts.Count, imagesPerPrompt, sampler.Seed, shape) : null;
        var denoiser = sampler.Kind == SamplerKind.Ddim ? model.Sampler() : model.SchedulerSampler();
        var batches = new List<Tensor>();
        var wasTraining = model.Network.training;
        model.Network.eval();
        try
        {
            for (var start = 0; start < prompts.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var batch = prompts.Skip(start).Take(batchSize).ToList();
                var noise = (perPrompt is not null ? perPrompt[start..(start + batch.Count)]
                    : cat(batch.Select((p, k) => SeededNoise.For(sampler.Seed, PromptHash(p), firstIndex + start + k, shape)).ToList(), 0)).to(model.Device);
                var tokens = cat([model.Tokens(batch), model.Tokens(batch.Select(_ => "").ToList())], 0);
                var x0 = denoiser.Sample(noise, sampler.Steps, (x, t) =>
                {
                    var both = model.PredictNoise(cat([x, x], 0), cat([t, t], 0), tokens).chunk(2);
                    return DdimSampler.Guide(both[0], both[1], sampler.GuidanceScale);
                });
                using (no_grad()) batches.Add(model.ToPixels(x0).cpu().MoveToOuterDisposeScope());
                progress?.Report(start + batch.Count);
            }
        }
        finally
        {
            if (wasTraining) model.Network.train();
        }
        return cat(batches, 0);
    }

    /// <summary><see cref="Sample"/> as 8-bit RGB images (what the CLI, the evaluation and the world's model hand on).</summary>
    public static RgbImage[] SampleImages(IDiffusionModel model, IReadOnlyList<string> prompts, SamplerConfig sampler, int height, int width,
        int firstIndex = 0, int batchSize = 64, NoiseSeeding seeding = NoiseSeeding.PerImage, int imagesPerPrompt = 1)
    {
        using var scope = NewDisposeScope();
        return ImageTensors.ToImages(Sample(model, prompts, sampler, height, width, firstIndex, batchSize, seeding: seeding, imagesPerPrompt: imagesPerPrompt));
    }

    /// <summary>
    /// <see cref="NoiseSeeding.PerPrompt"/>'s starting noise for <paramref name="count"/> images, groups of
    /// <paramref name="imagesPerPrompt"/> per prompt: each group is one randn((K, C, h, w)) from a CPU generator seeded
    /// with <paramref name="seed"/> — diffusers' prepare_latents under evaluate.py's per-prompt generator, whose numbers
    /// libtorch's CPU generator reproduces (one draw of K, not K draws of one: PyTorch redraws a tensor's last 16 values
    /// when its size is not a multiple of 16).
    /// </summary>
    internal static Tensor PerPromptNoise(int count, int imagesPerPrompt, int seed, ReadOnlySpan<long> itemShape)
    {
        if (imagesPerPrompt < 1 || count % imagesPerPrompt != 0)
            throw new ArgumentException($"{count} images are not groups of {imagesPerPrompt} per prompt.", nameof(imagesPerPrompt));
        var groups = new List<Tensor>();
        for (var g = 0; g < count / imagesPerPrompt; g++)
        {
            using var generator = new Generator((ulong)seed);
            groups.Add(randn([imagesPerPrompt, .. itemShape], generator: generator));
        }
        var noise = cat(groups, 0);
        foreach (var group in groups) group.Dispose();
        return noise;
    }

    static long PromptHash(string prompt)
    {
        var hash = 14695981039346656037UL; // FNV-1a: stable across processes, unlike string.GetHashCode
        foreach (var c in prompt) hash = (hash ^ c) * 1099511628211UL;
        return (long)(hash >> 1);
    }
}
