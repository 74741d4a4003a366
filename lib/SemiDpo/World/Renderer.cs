using SemiDpo.Imaging;

namespace SemiDpo.World;

/// <summary>Draws a scene with the given flaws as a small RGB image (anti-aliased by 4×4 supersampling).</summary>
public static class Renderer
{
    const int Supersample = 4;

    public static RgbImage Render(SceneSpec asked, RenderFlaws flaws, int size, Random rng)
    {
        var shown = flaws.Apply(asked);
        var bg = Dull(shown.Background.Unit, flaws.Dullness);
        var fgRaw = Mix(shown.Color.Unit, shown.Background.Unit, flaws.ContrastLoss);
        var fg = Dull(fgRaw, flaws.Dullness);
        var objects = PlaceObjects(shown, flaws, rng);
        var radius = SceneLayout.Radius(shown.Count);

        var planes = flaws.Jagged
            ? Upscale(Draw(objects, shown.Shape, radius, fg, bg, size / 2, samples: 1), size / 2, size)
            : Draw(objects, shown.Shape, radius, fg, bg, size, Supersample);
        if (flaws.Blur > 0) ImageOps.GaussianBlur(planes, size, size, flaws.Blur * size / 32f);
        if (flaws.Noise > 0) AddNoise(planes, flaws.Noise, rng);
        return ImageOps.FromPlanes(planes, size, size);
    }

    static List<(float X, float Y)> PlaceObjects(SceneSpec shown, RenderFlaws flaws, Random rng)
    {
        var (dx, dy) = (0f, 0f);
        if (flaws.OffCenter > 0)
        {
            var angle = rng.NextSingle() * 2 * MathF.PI;
            (dx, dy) = (MathF.Cos(angle) * flaws.OffCenter * 0.33f, MathF.Sin(angle) * flaws.OffCenter * 0.33f);
        }
        // Off-centre objects may be cut by the border but always stay partly in the picture.
        return SceneLayout.Centres(shown.Placement, shown.Count)
            .Select(c => (Math.Clamp(c.X + dx + Jitter(rng), 0.05f, 0.95f), Math.Clamp(c.Y + dy + Jitter(rng), 0.05f, 0.95f)))
            .ToList();
    }

    static float Jitter(Random rng) => (rng.NextSingle() - 0.5f) * 0.04f;

    /// <summary>Channel-major planes (3 × size × size) in 0…1.</summary>
    static float[] Draw(List<(float X, float Y)> objects, Shape shape, float radius,
        (float R, float G, float B) fg, (float R, float G, float B) bg, int size, int samples)
    {
        var planes = new float[3 * size * size];
        var n = size * size;
        var inv = 1f / (samples * samples);
        for (var y = 0; y < size; y++)
        for (var x = 0; x < size; x++)
        {
            var hits = 0;
            for (var sy = 0; sy < samples; sy++)
            for (var sx = 0; sx < samples; sx++)
            {
                var px = (x + (sx + 0.5f) / samples) / size;
                var py = (y + (sy + 0.5f) / samples) / size;
                foreach (var (cx, cy) in objects)
                {
                    if (SceneLayout.Inside(shape, (px - cx) / radius, (py - cy) / radius)) { hits++; break; }
                }
            }
            var a = hits * inv;
            var i = y * size + x;
            planes[i] = bg.R + a * (fg.R - bg.R);
            planes[n + i] = bg.G + a * (fg.G - bg.G);
            planes[2 * n + i] = bg.B + a * (fg.B - bg.B);
        }
        return planes;
    }

    static float[] Upscale(float[] small, int from, int to)
    {
        var planes = new float[3 * to * to];
        for (var c = 0; c < 3; c++)
        for (var y = 0; y < to; y++)
        for (var x = 0; x < to; x++)
            planes[c * to * to + y * to + x] = small[c * from * from + y * from / to * from + x * from / to];
        return planes;
    }

    static void AddNoise(float[] planes, float sigma, Random rng)
    {
        for (var i = 0; i < planes.Length; i++) planes[i] += sigma * Gaussian(rng);
    }

    /// <summary>Standard normal sample (Box–Muller).</summary>
    internal static float Gaussian(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }

    static (float R, float G, float B) Mix((float R, float G, float B) a, (float R, float G, float B) b, float t) =>
        (a.R + t * (b.R - a.R), a.G + t * (b.G - a.G), a.B + t * (b.B - a.B));

    static (float R, float G, float B) Dull((float R, float G, float B) c, float t)
    {
        var grey = 0.299f * c.R + 0.587f * c.G + 0.114f * c.B;
        return Mix(c, (grey, grey, grey), t);
    }
}
