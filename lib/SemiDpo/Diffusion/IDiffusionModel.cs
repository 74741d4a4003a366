using static TorchSharp.torch;

namespace SemiDpo.Diffusion;

/// <summary>
/// A text-to-image diffusion model as the losses, the confidence scorer, the trainer, the baselines and the sampler
/// see it: images go into a training space (the pixels themselves for the world's <see cref="World.Model.DiffusionModel"/>; VAE
/// latents × scaling factor for <see cref="StableDiffusion.StableDiffusionModel"/>), captions become token ids, and
/// <see cref="PredictNoise"/> is ε̂(x_t, t, c) under <see cref="Schedule"/>. Only <see cref="Network"/> is trained.
/// </summary>
public interface IDiffusionModel : IDisposable
{
    Device Device { get; }
    NoiseSchedule Schedule { get; }
    IPromptTokenizer Tokenizer { get; }

    /// <summary>The ε-network: its parameters are what an optimiser trains; train()/eval() switch its mode.</summary>
    TorchSharp.torch.nn.Module Network { get; }

    /// <summary>
    /// Images (B, 3, H, W) in −1…1 on the model's device → x_0 in the training space (no gradient); a model that samples
    /// x_0 (SD's VAE posterior) draws from <paramref name="generator"/>.
    /// </summary>
    Tensor ToTrainingSpace(Tensor pixels, Generator? generator = null);

    /// <summary>
    /// Draws from <paramref name="generator"/> exactly what <see cref="ToTrainingSpace"/> of <paramref name="count"/> images
    /// of <paramref name="height"/> × <paramref name="width"/> draws, encoding nothing (a data-parallel rank passing over
    /// another rank's micro-batch); a model that draws nothing there does nothing here.
    /// </summary>
    void SkipTrainingSpaceDraws(int count, int height, int width, Generator generator) { }

    /// <summary>x_0 of the training space → images (B, 3, H, W) in about −1…1.</summary>
    Tensor ToPixels(Tensor x0);

    /// <summary>The shape of one x_0 (C, h, w) for images of <paramref name="height"/> × <paramref name="width"/> pixels.</summary>
    long[] TrainingShape(int height, int width);

    /// <summary>ε̂(x_t, t, caption): x_t in the training space, t (B) int64, tokens (B, L) int64; differentiable.</summary>
    Tensor PredictNoise(Tensor xt, Tensor t, Tensor tokens);

    /// <summary>The DDIM sampler of the model's scheduler settings.</summary>
    DdimSampler Sampler();

    /// <summary>The sampler the model's own scheduler names (a diffusers folder's; SD1.5: PNDM); DDIM when it names none.</summary>
    IDenoisingSampler SchedulerSampler() => Sampler();

    /// <summary>
    /// A second model with a copy of the trained weights (e.g. the frozen DPO reference); frozen parts (VAE, text
    /// encoder) are shared, not copied.
    /// </summary>
    IDiffusionModel Copy();

    /// <summary>The model's config with the run's (training settings), as checkpoints record and compare it.</summary>
    string ConfigJson(string? runConfigJson = null);

    /// <summary>The state-dict entries of <see cref="Network"/> a checkpoint holds (LoRA: the adapters); null: all of them.</summary>
    IReadOnlyCollection<string>? CheckpointKeys => null;
}

/// <summary>What every <see cref="IDiffusionModel"/> can do through the interface alone.</summary>
public static class DiffusionModelExtensions
{
    /// <summary>Token ids (B, L) of the captions on the model's device ("" = the null caption).</summary>
    public static Tensor Tokens(this IDiffusionModel model, IReadOnlyList<string> captions) =>
        tensor(captions.SelectMany(model.Tokenizer.Encode).ToArray(), [captions.Count, model.Tokenizer.MaxLength], device: model.Device);

    /// <summary>Writes the network's weights (with optimizer state, step and run config when resuming matters); atomic.</summary>
    public static void Save(this IDiffusionModel model, string path, TorchSharp.Modules.OptimizerHelper? optimizer = null, long step = 0, string? runConfigJson = null,
        (IReadOnlyList<double> Loss, IReadOnlyList<double> Accuracy)? history = null, Generator? generator = null, byte[]? lossState = null) =>
        Checkpoint.Save(path, model.Network, optimizer, model.ConfigJson(runConfigJson), step, history, generator, lossState, model.CheckpointKeys);

    /// <summary>Restores weights, optimizer state, step and RNG (the run's <paramref name="generator"/>, or torch's global one) from a checkpoint written for the same model and run config.</summary>
    public static CheckpointHeader Resume(this IDiffusionModel model, string path, TorchSharp.Modules.OptimizerHelper optimizer, string runConfigJson,
        Generator? generator = null) =>
        Checkpoint.Load(path, model.Network, optimizer, model.ConfigJson(runConfigJson), generator);
}
