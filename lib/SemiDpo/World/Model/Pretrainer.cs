using System.Text.Json;
using SemiDpo.Diffusion;
using SemiDpo.Imaging;
using SemiDpo.Torch;
using SemiDpo.Training;
using static TorchSharp.torch;

namespace SemiDpo.World.Model;

/// <summary>
/// Trains the base model with the standard denoising objective E‖ε − ε_θ(√ᾱ_t x_0 + √(1−ᾱ_t) ε, t, c)‖² (Ho et al.
/// 2020, Eq. 14), t uniform in [0, T), on <see cref="WorldImageStream"/> images. Writes a resumable checkpoint every
/// <see cref="PretrainConfig.CheckpointEvery"/> steps and at the end.
/// </summary>
public sealed class Pretrainer(DiffusionModel model, PretrainConfig config)
{
    public string RunConfigJson => JsonSerializer.Serialize(config);

    /// <summary>
    /// Trains up to <see cref="PretrainConfig.Steps"/>, resuming from <paramref name="checkpoint"/> when it exists
    /// (refused when written for another config). Returns the loss of every step done by this call.
    /// </summary>
    public List<double> Run(string? checkpoint, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        config.Validate();
        var parameters = model.UNet.parameters().ToList();
        using var optimizer = new AdamW(parameters, config.LearningRate, weightDecay: config.WeightDecay);
        long step = 0;
        if (checkpoint is not null && File.Exists(checkpoint))
            step = model.Resume(checkpoint, optimizer, RunConfigJson).Step;
        else
            Seeding.Everything(config.Seed);

        var stream = new WorldImageStream(config.Seed);
        var losses = new List<double>();
        model.UNet.train();
        while (step < config.Steps)
        {
            cancellation.ThrowIfCancellationRequested();
            step++;
            var loss = TrainStep(stream, step);
            var rate = OptimizerStep.WarmupRate(config.LearningRate, step, config.WarmupSteps);
            if (!double.IsFinite(loss))
                throw new TrainingException($"pretrain step {step}: loss is {loss}; last good checkpoint: {checkpoint ?? "none"}.");
            OptimizerStep.Apply(optimizer, parameters, rate, config.GradientClip, $"pretrain step {step}");
            losses.Add(loss);
            progress?.Report(new TrainingProgress("pretrain", step, config.Steps, loss, null, rate, ModelLoss: loss));
            if (checkpoint is not null && ((config.CheckpointEvery > 0 && step % config.CheckpointEvery == 0) || step == config.Steps))
                model.Save(checkpoint, optimizer, step, RunConfigJson);
        }
        return losses;
    }

    double TrainStep(WorldImageStream stream, long step)
    {
        using var scope = NewDisposeScope();
        var (images, captions) = stream.Batch(step, config.BatchSize);
        var dropout = new Random(StableHash.Mix(config.Seed ^ 0x5EED, step));
        var conditioning = captions.Select(c => dropout.NextDouble() < config.CaptionDropout ? "" : c).ToList();
        var x0 = ImageTensors.FromImages(images, model.Device);
        var noise = randn_like(x0);
        var t = randint(0, model.Schedule.Timesteps, [config.BatchSize], dtype: ScalarType.Int64, device: model.Device);
        var prediction = model.PredictNoise(model.Schedule.QSample(x0, noise, t), t, model.Tokens(conditioning));
        var loss = nn.functional.mse_loss(prediction, noise);
        loss.backward();
        return loss.item<float>();
    }
}
