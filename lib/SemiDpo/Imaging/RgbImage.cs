namespace SemiDpo.Imaging;

/// <summary>An 8-bit RGB image stored row-major, interleaved (height × width × 3).</summary>
public sealed record RgbImage
{
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (pixels.Length != width * height * 3)
            throw new ArgumentException($"Expected {width}×{height}×3 = {width * height * 3} bytes, got {pixels.Length}.", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }
    public int Height { get; }
    public byte[] Pixels { get; }

    /// <summary>A blank image of one colour.</summary>
    public static RgbImage Filled(int width, int height, byte r, byte g, byte b)
    {
        var pixels = new byte[width * height * 3];
        for (var i = 0; i < pixels.Length; i += 3) (pixels[i], pixels[i + 1], pixels[i + 2]) = (r, g, b);
        return new RgbImage(width, height, pixels);
    }
}
