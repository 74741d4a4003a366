using SemiDpo.Imaging;
using static TorchSharp.torch;

namespace SemiDpo.Clip;

/// <summary>
/// CLIP's image preprocessing (openai/CLIP's and transformers' CLIPImageProcessor): resize the shorter side to
/// <paramref name="Size"/> with bicubic resampling, centre-crop Size×Size, scale to 0…1, normalise per channel. The
/// resize is torch's antialiased bicubic, the kernel PIL uses, rounded to 8-bit as PIL's output is; it can differ from
/// PIL by a grey level where rounding falls the other way.
/// </summary>
public sealed record ClipPreprocess(int Size = 224, float[]? Mean = null, float[]? Std = null)
{
    public static readonly float[] OpenAiMean = [0.48145466f, 0.4578275f, 0.40821073f];
    public static readonly float[] OpenAiStd = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>Images of any sizes → (N, 3, Size, Size) normalised pixels on <paramref name="device"/>.</summary>
    public Tensor Apply(IReadOnlyList<RgbImage> images, Device device)
    {
        using var scope = NewDisposeScope();
        var batch = cat(images.Select(image => Resize(image)).ToList(), 0).to(device);
        var mean = tensor(Mean ?? OpenAiMean, device: device).view(1, 3, 1, 1);
        var std = tensor(Std ?? OpenAiStd, device: device).view(1, 3, 1, 1);
        return ((batch / 255f - mean) / std).MoveToOuterDisposeScope();
    }

    static Tensor Resample(Tensor pixels, int height, int width) =>
        nn.functional.interpolate(pixels, size: [height, width], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true).round().clamp(0, 255);

    /// <summary>One image (1, 3, Size, Size) in 0…255 (whole grey levels), resized and centre-cropped as torchvision does.</summary>
    Tensor Resize(RgbImage image)
    {
        var pixels = (ImageTensors.FromImages([image]) + 1) * 127.5f;
        var (h, w) = (image.Height, image.Width);
        var (newH, newW) = h <= w ? (Size, (int)(Size * (long)w / h)) : ((int)(Size * (long)h / w), Size);
        if (newW != w) pixels = Resample(pixels, h, newW);
        if (newH != h) pixels = Resample(pixels, newH, newW);
        var top = (int)Math.Round((newH - Size) / 2.0, MidpointRounding.ToEven);
        var left = (int)Math.Round((newW - Size) / 2.0, MidpointRounding.ToEven);
        return pixels[.., .., top..(top + Size), left..(left + Size)];
    }
}
