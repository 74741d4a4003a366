namespace SemiDpo.Imaging;

/// <summary>Pixel operations used by the world's renderer and to probe the oracle (blur, contrast, recolouring).</summary>
public static class ImageOps
{
    /// <summary>Gaussian blur with standard deviation <paramref name="sigma"/> pixels.</summary>
    public static RgbImage Blur(RgbImage image, float sigma)
    {
        var planes = ToPlanes(image);
        GaussianBlur(planes, image.Width, image.Height, sigma);
        return FromPlanes(planes, image.Width, image.Height);
    }

    /// <summary>Blends every pixel toward the image's mean colour: <paramref name="factor"/> 1 keeps the image, 0 makes it flat.</summary>
    public static RgbImage ScaleContrast(RgbImage image, float factor)
    {
        var planes = ToPlanes(image);
        var n = image.Width * image.Height;
        for (var c = 0; c < 3; c++)
        {
            var plane = planes.AsSpan(c * n, n);
            var mean = 0f;
            foreach (var v in plane) mean += v;
            mean /= n;
            for (var i = 0; i < n; i++) plane[i] = mean + factor * (plane[i] - mean);
        }
        return FromPlanes(planes, image.Width, image.Height);
    }

    /// <summary>
    /// Reflects every colour through the background colour (x → 2·bg − x, clamped): the background stays, objects take
    /// the opposite colour or, where that leaves the gamut, melt into the background.
    /// </summary>
    public static RgbImage ReflectThroughBackground(RgbImage image, (byte R, byte G, byte B) background)
    {
        var pixels = (byte[])image.Pixels.Clone();
        for (var i = 0; i < pixels.Length; i += 3)
        {
            pixels[i] = (byte)Math.Clamp(2 * background.R - pixels[i], 0, 255);
            pixels[i + 1] = (byte)Math.Clamp(2 * background.G - pixels[i + 1], 0, 255);
            pixels[i + 2] = (byte)Math.Clamp(2 * background.B - pixels[i + 2], 0, 255);
        }
        return new RgbImage(image.Width, image.Height, pixels);
    }

    /// <summary>Separable Gaussian blur of channel-major planes (3 × height × width) with clamped borders, in place.</summary>
    public static void GaussianBlur(float[] planes, int width, int height, float sigma)
    {
        var radius = Math.Max(1, (int)MathF.Ceiling(2.5f * sigma));
        var kernel = new float[2 * radius + 1];
        for (var k = -radius; k <= radius; k++) kernel[k + radius] = MathF.Exp(-k * k / (2 * sigma * sigma));
        var sum = kernel.Sum();
        for (var k = 0; k < kernel.Length; k++) kernel[k] /= sum;

        var n = width * height;
        var tmp = new float[n];
        for (var c = 0; c < 3; c++)
        {
            var plane = planes.AsSpan(c * n, n);
            for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var acc = 0f;
                for (var k = -radius; k <= radius; k++) acc += kernel[k + radius] * plane[y * width + Math.Clamp(x + k, 0, width - 1)];
                tmp[y * width + x] = acc;
            }
            for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var acc = 0f;
                for (var k = -radius; k <= radius; k++) acc += kernel[k + radius] * tmp[Math.Clamp(y + k, 0, height - 1) * width + x];
                plane[y * width + x] = acc;
            }
        }
    }

    /// <summary>Channel-major planes in 0…1.</summary>
    public static float[] ToPlanes(RgbImage image)
    {
        var n = image.Width * image.Height;
        var planes = new float[3 * n];
        for (var i = 0; i < n; i++)
        for (var c = 0; c < 3; c++)
            planes[c * n + i] = image.Pixels[3 * i + c] / 255f;
        return planes;
    }

    /// <summary>Channel-major planes in 0…1 back to bytes (clamped, rounded).</summary>
    public static RgbImage FromPlanes(float[] planes, int width, int height)
    {
        var n = width * height;
        var pixels = new byte[3 * n];
        for (var i = 0; i < n; i++)
        for (var c = 0; c < 3; c++)
            pixels[3 * i + c] = (byte)Math.Clamp(MathF.Round(planes[c * n + i] * 255f), 0, 255);
        return new RgbImage(width, height, pixels);
    }
}
