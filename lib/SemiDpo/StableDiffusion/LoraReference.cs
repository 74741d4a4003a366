using SemiDpo.Diffusion;
using static TorchSharp.torch;

namespace SemiDpo.StableDiffusion;

/// <summary>
/// The model inside a LoRA-adapted <see cref="StableDiffusionModel"/> — the base model, or after fused iterations the
/// previous iteration's — the same UNet, every adapter switched off for the length of each prediction. The model owns
/// the UNet; this view owns nothing.
/// </summary>
internal sealed class LoraReference(StableDiffusionModel model) : IDiffusionModel
{
    public Device Device => model.Device;
    public NoiseSchedule Schedule => model.Schedule;
    public IPromptTokenizer Tokenizer => model.Tokenizer;
    public nn.Module Network => model.UNet;

    public Tensor ToTrainingSpace(Tensor pixels, Generator? generator = null) => model.ToTrainingSpace(pixels, generator);
    public void SkipTrainingSpaceDraws(int count, int height, int width, Generator generator) => model.SkipTrainingSpaceDraws(count, height, width, generator);
    public Tensor ToPixels(Tensor x0) => model.ToPixels(x0);
    public long[] TrainingShape(int height, int width) => model.TrainingShape(height, width);
    public DdimSampler Sampler() => model.Sampler();

    public IDenoisingSampler SchedulerSampler() => model.SchedulerSampler();

    public Tensor PredictNoise(Tensor xt, Tensor t, Tensor tokens)
    {
        model.UNet.SetLoraEnabled(false);
        try
        {
            return model.PredictNoise(xt, t, tokens);
        }
        finally
        {
            model.UNet.SetLoraEnabled(true);
        }
    }

    public IDiffusionModel Copy() => model.CopyBase();

    public string ConfigJson(string? runConfigJson = null) => model.BaseConfigJson(runConfigJson);

    public void Dispose() { }
}
