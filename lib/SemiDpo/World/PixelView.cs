using SemiDpo.Imaging;

namespace SemiDpo.World;

/// <summary>An image as float planes in 0…1 with the measurements the oracle is built from.</summary>
internal sealed class PixelView
{
    readonly float[] r, g, b;
    readonly float[] distance;
    readonly float[] smoothDistance;
    readonly float[] medianR, medianG, medianB;

    public PixelView(RgbImage image)
    {
        (Width, Height) = (image.Width, image.Height);
        var n = Width * Height;
        var planes = ImageOps.ToPlanes(image);
        (r, g, b) = (planes[..n], planes[n..(2 * n)], planes[(2 * n)..]);
        Background = (BorderMedian(r), BorderMedian(g), BorderMedian(b));
        distance = DistanceFromBackground(r, g, b);
        (medianR, medianG, medianB) = (Median3(r), Median3(g), Median3(b));
        smoothDistance = DistanceFromBackground(medianR, medianG, medianB);
    }

    /// <summary>Euclidean RGB distance of each pixel of the given planes from <see cref="Background"/>.</summary>
    float[] DistanceFromBackground(float[] red, float[] green, float[] blue)
    {
        var result = new float[red.Length];
        for (var i = 0; i < result.Length; i++)
        {
            var (dr, dg, db) = (red[i] - Background.R, green[i] - Background.G, blue[i] - Background.B);
            result[i] = MathF.Sqrt(dr * dr + dg * dg + db * db);
        }
        return result;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Background colour: the per-channel median of the outermost ring of pixels.</summary>
    public (float R, float G, float B) Background { get; }

    /// <summary>Mean of the largest 15 % of background distances (after a 3×3 median, so noise does not count): how much the objects stand out.</summary>
    public double ObjectContrast()
    {
        var sorted = smoothDistance.ToArray();
        Array.Sort(sorted);
        var k = Math.Max(1, sorted.Length * 15 / 100);
        return sorted.AsSpan(sorted.Length - k).ToArray().Average();
    }

    /// <summary>Hasler–Süsstrunk colourfulness: σ_rgyb + 0.3·μ_rgyb over the image.</summary>
    public double Colourfulness()
    {
        int n = r.Length;
        double mrg = 0, myb = 0, srg = 0, syb = 0;
        for (var i = 0; i < n; i++) { mrg += r[i] - g[i]; myb += 0.5 * (r[i] + g[i]) - b[i]; }
        mrg /= n; myb /= n;
        for (var i = 0; i < n; i++)
        {
            var rg = r[i] - g[i] - mrg;
            var yb = 0.5 * (r[i] + g[i]) - b[i] - myb;
            srg += rg * rg; syb += yb * yb;
        }
        return Math.Sqrt(srg / n + syb / n) + 0.3 * Math.Sqrt(mrg * mrg + myb * myb);
    }

    /// <summary>Share of the object mass (median-filtered background distance) in the outer frame: objects cut by the border.</summary>
    public double BorderMassFraction()
    {
        var frame = Math.Max(1, Width / 16);
        double inFrame = 0, total = 0;
        for (var y = 0; y < Height; y++)
        for (var x = 0; x < Width; x++)
        {
            var w = smoothDistance[y * Width + x];
            total += w;
            if (x < frame || y < frame || x >= Width - frame || y >= Height - frame) inFrame += w;
        }
        return total < 1e-6 ? 0 : inFrame / total;
    }

    /// <summary>
    /// Mean, over strong-edge pixels, of the steepest step between neighbours within a 5×5 window divided by the
    /// range of the surrounding 7×7 window (both on the median-filtered background distance, so noise adds no false edges): near 1 for
    /// crisp edges, about 0.3 for blurred ones.
    /// </summary>
    public double EdgeSharpness()
    {
        var distance = smoothDistance;
        var range = LocalExtent(distance, 3, (lo, hi) => hi - lo);
        var steps = new float[distance.Length];
        for (var y = 0; y < Height; y++)
        for (var x = 0; x < Width; x++)
        {
            var i = y * Width + x;
            if (x + 1 < Width) steps[i] = Math.Abs(distance[i] - distance[i + 1]);
            if (y + 1 < Height) steps[i] = Math.Max(steps[i], Math.Abs(distance[i] - distance[i + Width]));
        }
        var steepest = LocalExtent(steps, 2, (_, hi) => hi);
        var max = range.Max();
        if (max < 0.05f) return 0;
        double sum = 0;
        var count = 0;
        for (var i = 0; i < range.Length; i++)
        {
            if (range[i] < 0.5f * max) continue;
            sum += Math.Min(1f, steepest[i] / range[i]);
            count++;
        }
        return count == 0 ? 0 : sum / count;
    }

    /// <summary>
    /// Mean absolute residual from a 3×3 median over the flatter half of the image (pixels whose median-filtered
    /// neighbourhood varies least), so object edges do not count as noise.
    /// </summary>
    public double NoiseLevel()
    {
        var samples = new List<(float Variation, float Residual)>(Width * Height);
        for (var y = 1; y < Height - 1; y++)
        for (var x = 1; x < Width - 1; x++)
        {
            var i = y * Width + x;
            var variation = 0f;
            for (var dy = -1; dy <= 1; dy++)
            for (var dx = -1; dx <= 1; dx++)
            {
                var j = i + dy * Width + dx;
                variation = Math.Max(variation, Math.Abs(medianR[j] - medianR[i]) + Math.Abs(medianG[j] - medianG[i]) + Math.Abs(medianB[j] - medianB[i]));
            }
            samples.Add((variation, (Math.Abs(r[i] - medianR[i]) + Math.Abs(g[i] - medianG[i]) + Math.Abs(b[i] - medianB[i])) / 3));
        }
        return samples.OrderBy(s => s.Variation).Take(Math.Max(1, samples.Count / 2)).Average(s => s.Residual);
    }

    /// <summary>0…1: how much more the image changes across 2×2 block boundaries than inside blocks (pixelation).</summary>
    public double Blockiness()
    {
        double inside = 0, across = 0;
        for (var y = 0; y < Height; y++)
        for (var x = 0; x + 2 < Width; x += 2)
        {
            inside += Step(y * Width + x, y * Width + x + 1);
            across += Step(y * Width + x + 1, y * Width + x + 2);
        }
        for (var x = 0; x < Width; x++)
        for (var y = 0; y + 2 < Height; y += 2)
        {
            inside += Step(y * Width + x, (y + 1) * Width + x);
            across += Step((y + 1) * Width + x, (y + 2) * Width + x);
        }
        if (across < 1e-3 * Width) return 0;
        return Math.Clamp(1 - inside / across, 0, 1);
    }

    /// <summary>Connected 4-neighbour regions that differ clearly from the background (tiny specks dropped).</summary>
    public List<List<int>> Components()
    {
        var max = distance.Max();
        var threshold = Math.Max(0.2f, 0.5f * max);
        var minArea = Math.Max(2, Width * Height / 300);
        var seen = new bool[distance.Length];
        var result = new List<List<int>>();
        var queue = new Queue<int>();
        for (var start = 0; start < distance.Length; start++)
        {
            if (seen[start] || distance[start] <= threshold) continue;
            var component = new List<int>();
            seen[start] = true;
            queue.Enqueue(start);
            while (queue.Count > 0)
            {
                var i = queue.Dequeue();
                component.Add(i);
                var (x, y) = (i % Width, i / Width);
                foreach (var j in new[] { x > 0 ? i - 1 : -1, x + 1 < Width ? i + 1 : -1, y > 0 ? i - Width : -1, y + 1 < Height ? i + Width : -1 })
                {
                    if (j < 0 || seen[j] || distance[j] <= threshold) continue;
                    seen[j] = true;
                    queue.Enqueue(j);
                }
            }
            if (component.Count >= minArea) result.Add(component);
        }
        return result;
    }

    /// <summary>Mean colour of the object cores: the given pixels at least 70 % as far from the background as the farthest of them (edge pixels mixed with the background left out).</summary>
    public (float R, float G, float B) CoreColor(IReadOnlyCollection<int> pixels)
    {
        if (pixels.Count == 0) return Background;
        var max = pixels.Max(i => distance[i]);
        return MeanColor(pixels.Where(i => distance[i] >= 0.7f * max));
    }

    public (float R, float G, float B) MeanColor(IEnumerable<int> pixels)
    {
        double sr = 0, sg = 0, sb = 0;
        var n = 0;
        foreach (var i in pixels) { sr += r[i]; sg += g[i]; sb += b[i]; n++; }
        return n == 0 ? Background : ((float)(sr / n), (float)(sg / n), (float)(sb / n));
    }

    /// <summary>Centroid in unit coordinates (pixel centres).</summary>
    public (double X, double Y) Centroid(IEnumerable<int> pixels)
    {
        double sx = 0, sy = 0;
        var n = 0;
        foreach (var i in pixels) { sx += i % Width + 0.5; sy += i / Width + 0.5; n++; }
        return n == 0 ? (0.5, 0.5) : (sx / n / Width, sy / n / Height);
    }

    float Step(int i, int j) => Math.Max(Math.Abs(r[i] - r[j]), Math.Max(Math.Abs(g[i] - g[j]), Math.Abs(b[i] - b[j])));

    /// <summary>For each pixel, <paramref name="combine"/>(min, max) of <paramref name="values"/> over the (2r+1)² window.</summary>
    float[] LocalExtent(float[] values, int radius, Func<float, float, float> combine)
    {
        var result = new float[values.Length];
        for (var y = 0; y < Height; y++)
        for (var x = 0; x < Width; x++)
        {
            float lo = float.MaxValue, hi = float.MinValue;
            for (var yy = Math.Max(0, y - radius); yy <= Math.Min(Height - 1, y + radius); yy++)
            for (var xx = Math.Max(0, x - radius); xx <= Math.Min(Width - 1, x + radius); xx++)
            {
                var v = values[yy * Width + xx];
                lo = Math.Min(lo, v);
                hi = Math.Max(hi, v);
            }
            result[y * Width + x] = combine(lo, hi);
        }
        return result;
    }

    float[] Median3(float[] plane)
    {
        var result = new float[plane.Length];
        Span<float> window = stackalloc float[9];
        for (var y = 0; y < Height; y++)
        for (var x = 0; x < Width; x++)
        {
            var k = 0;
            for (var dy = -1; dy <= 1; dy++)
            for (var dx = -1; dx <= 1; dx++)
                window[k++] = plane[Math.Clamp(y + dy, 0, Height - 1) * Width + Math.Clamp(x + dx, 0, Width - 1)];
            window.Sort();
            result[y * Width + x] = window[4];
        }
        return result;
    }

    float BorderMedian(float[] plane)
    {
        var ring = new List<float>(4 * Width);
        for (var x = 0; x < Width; x++) { ring.Add(plane[x]); ring.Add(plane[(Height - 1) * Width + x]); }
        for (var y = 1; y < Height - 1; y++) { ring.Add(plane[y * Width]); ring.Add(plane[y * Width + Width - 1]); }
        ring.Sort();
        return ring[ring.Count / 2];
    }
}
