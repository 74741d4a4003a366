using static TorchSharp.torch;

namespace SemiDpo.Imaging;

/// <summary>Images to show side by side (a notebook formatter renders it as HTML, the CLI writes it as one PNG).</summary>
/// <param name="Images">The images, in order.</param>
/// <param name="Captions">Optional caption per image (same count as <paramref name="Images"/>).</param>
/// <param name="Columns">Images per row.</param>
public sealed record ImageGrid(IReadOnlyList<RgbImage> Images, IReadOnlyList<string>? Captions = null, int Columns = 8)
{
    /// <summary>
    /// Converts a tensor of images, (N, C, H, W) or (C, H, W) with C = 1 or 3, to a grid. Byte tensors are read as 0…255;
    /// float tensors as −1…1 (the diffusion models' range) when any value is negative, else as 0…1.
    /// </summary>
    public static ImageGrid FromTensor(Tensor images, IReadOnlyList<string>? captions = null, int columns = 8)
    {
        if (!IsImageTensor(images))
            throw new ArgumentException($"Expected images shaped (N, C, H, W) or (C, H, W) with C = 1 or 3, got ({string.Join(", ", images.shape)}).", nameof(images));
        using var scope = NewDisposeScope();
        var batch = images.dim() == 3 ? images.unsqueeze(0) : images;
        batch = batch.detach().cpu();
        if (batch.shape[1] == 1) batch = batch.expand(-1, 3, -1, -1);
        var bytes = batch.dtype == ScalarType.Byte ? batch : ToByteRange(batch);
        var hwc = bytes.permute(0, 2, 3, 1).contiguous();
        var (n, h, w) = ((int)hwc.shape[0], (int)hwc.shape[1], (int)hwc.shape[2]);
        var all = hwc.data<byte>().ToArray();
        var list = new List<RgbImage>(n);
        for (var i = 0; i < n; i++) list.Add(new RgbImage(w, h, all.AsSpan(i * h * w * 3, h * w * 3).ToArray()));
        if (captions is not null && captions.Count != n)
            throw new ArgumentException($"{captions.Count} captions for {n} images.", nameof(captions));
        return new ImageGrid(list, captions, columns);
    }

    /// <summary>True for tensors <see cref="FromTensor"/> accepts.</summary>
    public static bool IsImageTensor(Tensor t) =>
        (t.dim() == 4 && t.shape[1] is 1 or 3) || (t.dim() == 3 && t.shape[0] is 1 or 3);

    /// <summary>All images tiled into one image, <paramref name="padding"/> white pixels between tiles.</summary>
    public RgbImage Tile(int padding = 2)
    {
        if (Images.Count == 0) throw new InvalidOperationException("An image grid needs at least one image.");
        var cellW = Images.Max(i => i.Width);
        var cellH = Images.Max(i => i.Height);
        var cols = Math.Min(Columns, Images.Count);
        var rows = (Images.Count + cols - 1) / cols;
        var width = cols * cellW + (cols + 1) * padding;
        var height = rows * cellH + (rows + 1) * padding;
        var canvas = RgbImage.Filled(width, height, 255, 255, 255);
        for (var k = 0; k < Images.Count; k++)
        {
            var (x0, y0) = (padding + k % cols * (cellW + padding), padding + k / cols * (cellH + padding));
            var image = Images[k];
            for (var y = 0; y < image.Height; y++)
                Array.Copy(image.Pixels, y * image.Width * 3, canvas.Pixels, ((y0 + y) * width + x0) * 3, image.Width * 3);
        }
        return canvas;
    }

    static Tensor ToByteRange(Tensor floats)
    {
        var f = floats.to_type(ScalarType.Float32);
        var unit = f.min().item<float>() < 0 ? (f + 1) / 2 : f;
        return (unit.clamp(0, 1) * 255).round().to_type(ScalarType.Byte);
    }
}
