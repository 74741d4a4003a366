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
    /// was drawn in; with <see cref="NoiseSeeding.PerPrompt"/> as the official evaluation seeds it.
    /// </summary>
    public static Tensor Sample(IDiffusionModel model, IReadOnlyList<string> prompts, SamplerConfig sampler, int height, int width,
        int firstIndex = 0, int batchSize = 64, IProgress<int>? progress = null, NoiseSeeding seeding = NoiseSeeding.PerImage)
    {
        var draw = PromptDraws(prompts);
        var shape = model.TrainingShape(height, width);
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
                var noise = cat(batch.Select((p, k) => seeding == NoiseSeeding.PerPrompt
                    ? SeededNoise.TorchGeneratorDraw(sampler.Seed, draw[start + k], shape)
                    : SeededNoise.For(sampler.Seed, PromptHash(p), firstIndex + start + k, shape)).ToList(), 0).to(model.Device);
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
        int firstIndex = 0, int batchSize = 64, NoiseSeeding seeding = NoiseSeeding.PerImage)
    {
        using var scope = NewDisposeScope();
        return ImageTensors.ToImages(Sample(model, prompts, sampler, height, width, firstIndex, batchSize, seeding: seeding));
    }

    /// <summary>Per image, which draw of its prompt's generator it is (<see cref="NoiseSeeding.PerPrompt"/>): how many copies of its prompt come right before it.</summary>
    internal static int[] PromptDraws(IReadOnlyList<string> prompts)
    {
        var draw = new int[prompts.Count];
        for (var j = 1; j < prompts.Count; j++) draw[j] = prompts[j] == prompts[j - 1] ? draw[j - 1] + 1 : 0;
        return draw;
    }

    static long PromptHash(string prompt)
    {
        var hash = 14695981039346656037UL; // FNV-1a: stable across processes, unlike string.GetHashCode
        foreach (var c in prompt) hash = (hash ^ c) * 1099511628211UL;
        return (long)(hash >> 1);
    }
}
