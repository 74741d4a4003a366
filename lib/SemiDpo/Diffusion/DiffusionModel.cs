using System.Text.Json;
using SemiDpo.Imaging;
using SemiDpo.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace SemiDpo.Diffusion;

/// <summary>
/// A text-to-image diffusion model of the world: <see cref="TinyUNet"/> + caption tokenizer + SD1.5 noise schedule,
/// on one device. The object every stage passes around: pretraining produces it, DPO fine-tunes a copy of it, the
/// evaluation samples from it.
/// </summary>
public sealed class DiffusionModel : IDisposable
{
    public DiffusionModel(UNetConfig config, Device? device = null)
    {
        TorchRuntime.Init();
        Device = device ?? TorchDevice.Default();
        Config = config;
        UNet = new TinyUNet(config, Tokenizer.VocabularySize);
        UNet.to(Device);
    }

    public UNetConfig Config { get; }
    public Device Device { get; }
    public TinyUNet UNet { get; }
    public CaptionTokenizer Tokenizer { get; } = new();
    public NoiseSchedule Schedule { get; } = new();

    /// <summary>
    /// The config recorded in checkpoints: the model's, plus the run's (training settings) when given; resuming
    /// compares it, so a checkpoint from another model size or training config is refused.
    /// </summary>
    public string ConfigJson(string? runConfigJson = null) =>
        $"{{\"Model\":{JsonSerializer.Serialize(Config)},\"Run\":{runConfigJson ?? "null"}}}";

    /// <summary>Token ids (B, L) of the captions, on the model's device ("" = the null caption).</summary>
    public Tensor Tokens(IReadOnlyList<string> captions) =>
        tensor(captions.SelectMany(Tokenizer.Encode).ToArray(), [captions.Count, CaptionTokenizer.MaxLength], device: Device);

    /// <summary>ε̂(x_t, t, caption) with the oneDNN forward (see <see cref="OneDnnSwitch"/>); differentiable.</summary>
    public Tensor PredictNoise(Tensor xt, Tensor t, Tensor tokens)
    {
        using var fast = OneDnnSwitch.ForForward();
        return UNet.forward(xt, t, tokens);
    }

    /// <summary>
    /// DDIM samples for <paramref name="prompts"/>, as images. Image k starts from noise seeded by (seed, prompt,
    /// <paramref name="firstIndex"/> + k), so a prompt's image does not depend on the batch it was drawn in.
    /// </summary>
    public RgbImage[] Sample(IReadOnlyList<string> prompts, SamplerConfig sampler, int firstIndex = 0, int batchSize = 64)
    {
        var images = new List<RgbImage>(prompts.Count);
        var ddim = new DdimSampler(Schedule);
        var eval = !UNet.training;
        UNet.eval();
        try
        {
            for (var start = 0; start < prompts.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var batch = prompts.Skip(start).Take(batchSize).ToList();
                var noise = cat(batch.Select((p, k) => SeededNoise.For(sampler.Seed, PromptHash(p), firstIndex + start + k, [3, 32, 32])).ToList(), 0).to(Device);
                var tokens = cat([Tokens(batch), Tokens(batch.Select(_ => "").ToList())], 0);
                var x0 = ddim.Sample(noise, sampler.Steps, (x, t) =>
                {
                    var both = PredictNoise(cat([x, x], 0), cat([t, t], 0), tokens).chunk(2);
                    return DdimSampler.Guide(both[0], both[1], sampler.GuidanceScale);
                });
                images.AddRange(ImageTensors.ToImages(x0.cpu()));
            }
        }
        finally
        {
            if (!eval) UNet.train();
        }
        return images.ToArray();
    }

    static long PromptHash(string prompt)
    {
        var hash = 14695981039346656037UL; // FNV-1a: stable across processes, unlike string.GetHashCode
        foreach (var c in prompt) hash = (hash ^ c) * 1099511628211UL;
        return (long)(hash >> 1);
    }

    /// <summary>A second model with the same config and a copy of these weights (e.g. the frozen DPO reference).</summary>
    public DiffusionModel Copy()
    {
        var copy = new DiffusionModel(Config, Device);
        using (no_grad())
            foreach (var (name, parameter) in UNet.named_parameters())
                copy.UNet.get_parameter(name)!.copy_(parameter);
        return copy;
    }

    /// <summary>Writes the weights (with optimizer state, step and run config when resuming matters); atomic.</summary>
    public void Save(string path, TorchSharp.Modules.OptimizerHelper? optimizer = null, long step = 0, string? runConfigJson = null) =>
        Checkpoint.Save(path, UNet, optimizer, ConfigJson(runConfigJson), step);

    /// <summary>Restores weights, optimizer state, step and RNG from a checkpoint written for the same model and run config.</summary>
    public CheckpointHeader Resume(string path, TorchSharp.Modules.OptimizerHelper optimizer, string runConfigJson) =>
        Checkpoint.Load(path, UNet, optimizer, ConfigJson(runConfigJson));

    /// <summary>Loads the weights of any checkpoint written by <see cref="Save"/>; the model size is read from the file.</summary>
    public static DiffusionModel Load(string path, Device? device = null)
    {
        var header = Checkpoint.ReadHeader(path);
        UNetConfig? config = null;
        try
        {
            config = JsonDocument.Parse(header.ConfigJson).RootElement.GetProperty("Model").Deserialize<UNetConfig>();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
        }
        if (config is null) throw new CheckpointException(path, "is not a diffusion-model checkpoint (no model config).");
        var model = new DiffusionModel(config, device);
        Checkpoint.Load(path, model.UNet, null, header.ConfigJson);
        return model;
    }

    public void Dispose() => UNet.Dispose();
}
