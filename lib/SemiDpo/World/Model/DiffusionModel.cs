using System.Text.Json;
using SemiDpo.Diffusion;
using SemiDpo.Imaging;
using SemiDpo.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace SemiDpo.World.Model;

/// <summary>
/// A text-to-image diffusion model of the world: <see cref="TinyUNet"/> + caption tokenizer + SD1.5 noise schedule,
/// on one device. The object every stage passes around: pretraining produces it, DPO fine-tunes a copy of it, the
/// evaluation samples from it.
/// </summary>
public sealed class DiffusionModel : IDiffusionModel
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
    IPromptTokenizer IDiffusionModel.Tokenizer => Tokenizer;
    TorchSharp.torch.nn.Module IDiffusionModel.Network => UNet;

    /// <summary>Pixel space: x_0 is the image itself.</summary>
    public Tensor ToTrainingSpace(Tensor pixels, Generator? generator = null) => pixels;

    public Tensor ToPixels(Tensor x0) => x0;

    public long[] TrainingShape(int height, int width) => [3, height, width];

    /// <summary>DDIM with x̂_0 clipped to the pixel range.</summary>
    public DdimSampler Sampler() => new(Schedule);

    /// <summary>
    /// The config recorded in checkpoints: the model's, plus the run's (training settings) when given; resuming
    /// compares it, so a checkpoint from another model size or training config is refused.
    /// </summary>
    public string ConfigJson(string? runConfigJson = null) =>
        $"{{\"Model\":{JsonSerializer.Serialize(Config)},\"Run\":{runConfigJson ?? "null"}}}";

    /// <summary>ε̂(x_t, t, caption) with the oneDNN forward (see <see cref="OneDnnSwitch"/>); differentiable.</summary>
    public Tensor PredictNoise(Tensor xt, Tensor t, Tensor tokens)
    {
        using var fast = OneDnnSwitch.ForForward();
        return UNet.forward(xt, t, tokens);
    }

    /// <summary>
    /// DDIM samples for <paramref name="prompts"/>, as images (see <see cref="DiffusionSampling.Sample"/>: each from its
    /// own seeded noise).
    /// </summary>
    public RgbImage[] Sample(IReadOnlyList<string> prompts, SamplerConfig sampler, int firstIndex = 0, int batchSize = 64) =>
        DiffusionSampling.SampleImages(this, prompts, sampler, 32, 32, firstIndex, batchSize);

    IDiffusionModel IDiffusionModel.Copy() => Copy();

    /// <summary>A second model with the same config and a copy of these weights (e.g. the frozen DPO reference).</summary>
    public DiffusionModel Copy()
    {
        var copy = new DiffusionModel(Config, Device);
        using (no_grad())
            foreach (var (name, parameter) in UNet.named_parameters())
                copy.UNet.get_parameter(name)!.copy_(parameter);
        return copy;
    }

    /// <summary>Loads the weights of any checkpoint written by <see cref="DiffusionModelExtensions.Save"/>; the model size is read from the file.</summary>
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
