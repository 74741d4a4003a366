using SemiDpo.Data;
using SemiDpo.Imaging;
using SkiaSharp;

namespace SemiDpo.World;

/// <summary>
/// Preference pairs written the way Pick-a-Pic v2 ships: JPEG images of assorted, non-square sizes (each side drawn
/// between 1 and 3 times the original's) in several parquet shards of small row groups — the shape the real-data path
/// reads (mixed sizes, JPEG, shards), for tests, notebooks and trying that path without downloading Pick-a-Pic.
/// Ground-truth columns are kept when the pairs have them.
/// </summary>
public static class PickapicLikeShards
{
    /// <summary>Writes <paramref name="shards"/> files <c>train-{k:00000}-of-{n:00000}.parquet</c> into <paramref name="folder"/>; returns their paths.</summary>
    public static async Task<IReadOnlyList<string>> WriteAsync(string folder, IReadOnlyList<PreferencePair> pairs, int shards, int seed, int rowGroup = 16)
    {
        if (shards < 1 || shards > pairs.Count) throw new ArgumentOutOfRangeException(nameof(shards), shards, $"Between 1 and {pairs.Count} shards.");
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        var encoded = pairs.Select(p => new EncodedPair(-1, p.Caption, Jpeg(p.Image0, random), Jpeg(p.Image1, random), p.Label0, p.Label1, p.Metadata, p.Truth)).ToList();
        var withTruth = pairs.All(p => p.Truth is not null);
        var paths = new List<string>();
        for (var k = 0; k < shards; k++)
        {
            var path = Path.Combine(folder, $"train-{k:00000}-of-{shards:00000}.parquet");
            var (start, end) = (k * encoded.Count / shards, (k + 1) * encoded.Count / shards);
            await IO.AtomicFile.WriteAsync(path, async stream =>
            {
                await using var writer = await PickapicWriter.CreateAsync(stream, withTruth);
                foreach (var group in encoded.Skip(start).Take(end - start).Chunk(rowGroup)) await writer.WriteRowGroupAsync(group);
            });
            paths.Add(path);
        }
        return paths;
    }

    /// <summary>The image rescaled to a random size (bilinear) and JPEG-encoded at quality 90.</summary>
    static byte[] Jpeg(RgbImage image, Random random)
    {
        var (w, h) = (image.Width * random.Next(100, 301) / 100, image.Height * random.Next(100, 301) / 100);
        using var bitmap = new SKBitmap(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        for (var y = 0; y < image.Height; y++)
        for (var x = 0; x < image.Width; x++)
        {
            var i = 3 * (y * image.Width + x);
            bitmap.SetPixel(x, y, new SKColor(image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]));
        }
        using var scaled = bitmap.Resize(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear));
        using var data = scaled.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }
}
