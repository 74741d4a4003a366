using SemiDpo.Imaging;
using static TorchSharp.torch;

namespace SemiDpo.Clip;

/// <summary>How an image is brought to the model's square input.</summary>
public enum ClipFit
{
    /// <summary>openai/CLIP's and transformers' CLIPImageProcessor: the shorter side resized (PIL bicubic), centre crop.</summary>
    ShorterSideCrop,
    /// <summary>
    /// HPSv2's evaluation transform (its open_clip fork, <c>light_augmentation=True</c> → <c>ResizeMaxSize</c>): the
    /// image as floats in 0…1, the longer side resized with antialiased bicubic interpolation on the tensor, zero
    /// padding to a square (before normalisation, so black), nothing cut off.
    /// </summary>
    LongerSidePad,
}

/// <summary>
/// CLIP's image preprocessing: fit to <paramref name="Size"/>×Size (<see cref="ClipFit"/>), scale to 0…1, normalise per
/// channel. The shorter-side resize reproduces PIL's (<see cref="PilResize"/>; a single 2-D pass would differ from PIL
/// by up to 14 grey levels on noisy images, PIL's two rounded passes match it exactly on the fixture).
/// </summary>
public sealed record ClipPreprocess(int Size = 224, float[]? Mean = null, float[]? Std = null, ClipFit Fit = ClipFit.ShorterSideCrop)
{
    public static readonly float[] OpenAiMean = [0.48145466f, 0.4578275f, 0.40821073f];
    public static readonly float[] OpenAiStd = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>Images of any sizes → (N, 3, Size, Size) normalised pixels on <paramref name="device"/>.</summary>
    public Tensor Apply(IReadOnlyList<RgbImage> images, Device device)
    {
        using var scope = NewDisposeScope();
        var batch = Fit == ClipFit.LongerSidePad
            ? cat(images.Select(LongerSidePadded).ToList(), 0).to(device)
            : cat(images.Select(image => PilResize.ShorterSideAndCenterCrop(image, Size, InterpolationMode.Bicubic)).ToList(), 0).to(device) / 255f;
        var mean = tensor(Mean ?? OpenAiMean, device: device).view(1, 3, 1, 1);
        var std = tensor(Std ?? OpenAiStd, device: device).view(1, 3, 1, 1);
        return ((batch - mean) / std).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// open_clip's ResizeMaxSize on one image: scale = Size / longer side; the new sides round half to even, as
    /// Python's round; padding splits as ⌊pad / 2⌋ before, the rest after. An image whose longer side is already Size
    /// is not resized (as there), but still padded to a square (there a non-square result could not be batched).
    /// </summary>
    Tensor LongerSidePadded(RgbImage image)
    {
        var x = tensor(image.Pixels, dtype: ScalarType.Byte).view(1, image.Height, image.Width, 3).permute(0, 3, 1, 2).to(ScalarType.Float32) / 255f;
        var scale = Size / (double)Math.Max(image.Height, image.Width);
        var (height, width) = (image.Height, image.Width);
        if (scale != 1.0)
        {
            (height, width) = ((int)Math.Round(image.Height * scale), (int)Math.Round(image.Width * scale));
            x = nn.functional.interpolate(x, [height, width], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true);
        }
        var (padHeight, padWidth) = (Size - height, Size - width);
        return nn.functional.pad(x, [padWidth / 2, padWidth - padWidth / 2, padHeight / 2, padHeight - padHeight / 2], value: 0);
    }
}
