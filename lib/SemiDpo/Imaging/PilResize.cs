using static TorchSharp.torch;

namespace SemiDpo.Imaging;

/// <summary>
/// torchvision's Resize(size) + CenterCrop(size) on PIL images, reproduced: the shorter side goes to
/// <c>size</c> (the longer one to ⌊size · long / short⌋), with PIL's antialiased kernel (torch's antialias resampling
/// is the same kernel), the width resampled first and rounded to 8 bits, then the height, as PIL's separable resampler
/// does; then the centre crop (offsets rounded half to even, as Python's round). Bicubic for CLIP's preprocessing
/// (equal to PIL on the test fixture), bilinear for the training images of Diffusion-DPO / Semi-DPO (within one grey
/// level of PIL, whose fixed-point arithmetic rounds 2 % of the fixture's values the other way).
/// </summary>
public static class PilResize
{
    /// <summary>(1, 3, size, size) float tensor of whole grey levels 0…255.</summary>
    public static Tensor ShorterSideAndCenterCrop(RgbImage image, int size, InterpolationMode mode)
    {
        using var scope = NewDisposeScope();
        var pixels = (ImageTensors.FromImages([image]) + 1) * 127.5f;
        var (h, w) = (image.Height, image.Width);
        var (newH, newW) = h <= w ? (size, (int)(size * (long)w / h)) : ((int)(size * (long)h / w), size);
        if (newW != w) pixels = Resample(pixels, h, newW, mode);
        if (newH != h) pixels = Resample(pixels, newH, newW, mode);
        var top = (int)Math.Round((newH - size) / 2.0, MidpointRounding.ToEven);
        var left = (int)Math.Round((newW - size) / 2.0, MidpointRounding.ToEven);
        return pixels[.., .., top..(top + size), left..(left + size)].round().MoveToOuterDisposeScope();
    }

    /// <summary>The resized and centre-cropped image as 8-bit RGB, optionally mirrored left–right.</summary>
    public static RgbImage Fit(RgbImage image, int size, InterpolationMode mode, bool mirror = false)
    {
        if (image.Width == size && image.Height == size && !mirror) return image;
        using var scope = NewDisposeScope();
        var pixels = ShorterSideAndCenterCrop(image, size, mode);
        if (mirror) pixels = pixels.flip(3);
        return ImageTensors.ToImages(pixels / 127.5f - 1)[0];
    }

    static Tensor Resample(Tensor pixels, int height, int width, InterpolationMode mode) =>
        nn.functional.interpolate(pixels, size: [height, width], mode: mode, align_corners: false, antialias: true).round().clamp(0, 255);
}
