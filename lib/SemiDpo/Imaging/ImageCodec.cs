using SkiaSharp;

namespace SemiDpo.Imaging;

/// <summary>Encoded image bytes ↔ <see cref="RgbImage"/>: PNG out (deterministic), PNG or JPEG (anything Skia reads) in.</summary>
public static class ImageCodec
{
    public static byte[] Encode(RgbImage image) => PngEncoder.Encode(image);

    /// <summary>Decodes PNG/JPEG bytes; returns null when the bytes are not a readable image.</summary>
    public static RgbImage? TryDecode(byte[] bytes)
    {
        if (bytes.Length == 0) return null;
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        if (codec is null) return null;
        using var decoded = SKBitmap.Decode(codec);
        if (decoded is null) return null;
        using var rgba = decoded.Copy(SKColorType.Rgba8888);
        var (w, h, stride) = (rgba.Width, rgba.Height, rgba.RowBytes);
        var source = rgba.GetPixelSpan();
        var pixels = new byte[w * h * 3];
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++)
        {
            var (s, d) = (y * stride + 4 * x, 3 * (y * w + x));
            pixels[d] = source[s];
            pixels[d + 1] = source[s + 1];
            pixels[d + 2] = source[s + 2];
        }
        return new RgbImage(w, h, pixels);
    }
}
