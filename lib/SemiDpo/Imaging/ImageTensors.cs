using static TorchSharp.torch;

namespace SemiDpo.Imaging;

/// <summary>RGB images ↔ float tensors (N, 3, H, W) in −1…1, the range the judges and diffusion models use.</summary>
public static class ImageTensors
{
    public static Tensor FromImages(IReadOnlyList<RgbImage> images, Device? device = null)
    {
        if (images.Count == 0) throw new ArgumentException("No images.", nameof(images));
        var (w, h) = (images[0].Width, images[0].Height);
        var n = w * h;
        var data = new float[images.Count * 3 * n];
        for (var k = 0; k < images.Count; k++)
        {
            var image = images[k];
            if (image.Width != w || image.Height != h)
                throw new ArgumentException($"Image {k} is {image.Width}×{image.Height}, the first is {w}×{h}.", nameof(images));
            var offset = k * 3 * n;
            for (var i = 0; i < n; i++)
            for (var c = 0; c < 3; c++)
                data[offset + c * n + i] = image.Pixels[3 * i + c] / 127.5f - 1f;
        }
        return tensor(data, [images.Count, 3, h, w], device: device);
    }

    /// <summary>Interleaved RGB bytes (H, W, 3) written planar (3, H, W) into <paramref name="planar"/>.</summary>
    public static void ToPlanar(byte[] interleaved, Span<byte> planar)
    {
        var n = interleaved.Length / 3;
        for (var i = 0; i < n; i++)
        for (var c = 0; c < 3; c++)
            planar[c * n + i] = interleaved[3 * i + c];
    }

    /// <summary>(N, 3, H, W) in −1…1 (values outside are clipped) → RGB images.</summary>
    public static RgbImage[] ToImages(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3) throw new ArgumentException($"Expected (N, 3, H, W), got ({string.Join(", ", images.shape)}).", nameof(images));
        using var scope = NewDisposeScope();
        var (count, h, w) = ((int)images.shape[0], (int)images.shape[2], (int)images.shape[3]);
        var bytes = ((images.detach().cpu().to_type(ScalarType.Float32).clamp(-1, 1) + 1) * 127.5f).round()
            .to_type(ScalarType.Byte).permute(0, 2, 3, 1).contiguous().data<byte>().ToArray();
        var size = h * w * 3;
        return Enumerable.Range(0, count).Select(k => new RgbImage(w, h, bytes[(k * size)..((k + 1) * size)])).ToArray();
    }
}
