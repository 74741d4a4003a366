using SemiDpo.Imaging;
using static TorchSharp.torch;

namespace SemiDpo.Clip;

/// <summary>
/// CLIP's image preprocessing (openai/CLIP's and transformers' CLIPImageProcessor, torchvision on PIL images): resize
/// the shorter side to <paramref name="Size"/> with bicubic resampling, centre-crop Size×Size, scale to 0…1, normalise
/// per channel. The resize reproduces PIL's (<see cref="PilResize"/>; a single 2-D pass would differ from PIL by up to
/// 14 grey levels on noisy images, PIL's two rounded passes match it exactly on the fixture).
/// </summary>
public sealed record ClipPreprocess(int Size = 224, float[]? Mean = null, float[]? Std = null)
{
    public static readonly float[] OpenAiMean = [0.48145466f, 0.4578275f, 0.40821073f];
    public static readonly float[] OpenAiStd = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>Images of any sizes → (N, 3, Size, Size) normalised pixels on <paramref name="device"/>.</summary>
    public Tensor Apply(IReadOnlyList<RgbImage> images, Device device)
    {
        using var scope = NewDisposeScope();
        var batch = cat(images.Select(image => PilResize.ShorterSideAndCenterCrop(image, Size, InterpolationMode.Bicubic)).ToList(), 0).to(device);
        var mean = tensor(Mean ?? OpenAiMean, device: device).view(1, 3, 1, 1);
        var std = tensor(Std ?? OpenAiStd, device: device).view(1, 3, 1, 1);
        return ((batch / 255f - mean) / std).MoveToOuterDisposeScope();
    }
}
