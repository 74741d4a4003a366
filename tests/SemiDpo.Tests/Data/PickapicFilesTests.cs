using Parquet;
using Parquet.Schema;
using SemiDpo.Data;
using SemiDpo.Imaging;
using SemiDpo.World;
using SkiaSharp;
using C = SemiDpo.Data.PickapicColumns;

namespace SemiDpo.Tests.Data;

public class PickapicFilesTests
{
    static async Task<string> WriteWorld(string folder, int pairs = 40, int seed = 3, int rowGroup = 16)
    {
        var path = Path.Combine(folder, "pairs.parquet");
        await new WorldBuilder(new WorldConfig(Pairs: pairs, Seed: seed, RowGroupSize: rowGroup)).WriteAsync(path);
        return path;
    }

    static async Task<List<PreferencePair>> ReadAll(string path, PickapicReadOptions? options = null)
    {
        await using var reader = await PickapicReader.OpenAsync(path, options);
        return await reader.ReadPairsAsync().ToListAsync();
    }

    [Fact]
    public async Task World_WritesPickapicColumnsInRowGroups_AndReadsBackEveryPair()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = await WriteWorld(temp.Path);
        var expected = new WorldBuilder(new WorldConfig(Pairs: 40, Seed: 3)).Pairs(0, 40);

        await using (var reader = await PickapicReader.OpenAsync(path))
        {
            Assert.Equal(3, reader.RowGroupCount);
            Assert.True(reader.HasTruth);
        }
        var pairs = await ReadAll(path);

        Assert.Equal(40, pairs.Count);
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(expected[i].Caption, pairs[i].Caption);
            Assert.Equal((expected[i].Label0, expected[i].Label1), (pairs[i].Label0, pairs[i].Label1));
            Assert.Equal(expected[i].Image0.Pixels, pairs[i].Image0.Pixels);
            Assert.Equal(expected[i].Image1.Pixels, pairs[i].Image1.Pixels);
            Assert.Equal(expected[i].Metadata, pairs[i].Metadata);
            Assert.Equal(expected[i].Truth, pairs[i].Truth);
        }
        var schema = await ParquetReader.ReadSchemaAsync(path);
        foreach (var column in new[] { "caption", "jpg_0", "jpg_1", "label_0", "label_1", "best_image_uid", "image_0_uid", "image_1_uid",
                     "model_0", "model_1", "user_id", "ranking_id", "are_different", "has_label", "created_at" })
            Assert.Contains(column, schema.GetDataFields().Select(f => f.Name));
    }

    [Fact]
    public async Task SameSeed_GivesByteIdenticalFiles_OtherSeedDoesNot()
    {
        using var a = TestPaths.NewTempFolder();
        using var b = TestPaths.NewTempFolder();
        using var c = TestPaths.NewTempFolder();

        var first = await File.ReadAllBytesAsync(await WriteWorld(a.Path, seed: 11));
        var second = await File.ReadAllBytesAsync(await WriteWorld(b.Path, seed: 11));
        var other = await File.ReadAllBytesAsync(await WriteWorld(c.Path, seed: 12));

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public async Task Frame_HasOneRowPerPair_MetadataAndTruthButNoImageBytes()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = await WriteWorld(temp.Path);
        await using var reader = await PickapicReader.OpenAsync(path);

        var frame = await reader.ReadFrameAsync();

        Assert.Equal(40, frame.Rows.Count);
        var names = frame.Columns.Select(c => c.Name).ToList();
        Assert.Contains("label_0", names);
        Assert.Contains("true_utility_1", names);
        Assert.DoesNotContain("jpg_0", names);
    }

    [Fact]
    public void Decoder_ReadsJpegAsWellAsPng()
    {
        var image = Renderer.Render(PromptGrammar.All[7], RenderFlaws.None, 32, new Random(1));
        using var bitmap = new SKBitmap(32, 32, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        for (var y = 0; y < 32; y++)
        for (var x = 0; x < 32; x++)
        {
            var i = 3 * (y * 32 + x);
            bitmap.SetPixel(x, y, new SKColor(image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]));
        }
        using var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);

        var fromJpeg = ImageCodec.TryDecode(jpeg.ToArray())!;
        var fromPng = ImageCodec.TryDecode(ImageCodec.Encode(image))!;

        Assert.Equal(image.Pixels, fromPng.Pixels);
        Assert.Equal((32, 32), (fromJpeg.Width, fromJpeg.Height));
        Assert.True(fromJpeg.Pixels.Zip(image.Pixels).Average(p => Math.Abs(p.First - p.Second)) < 6);
    }

    // ---- bad input ----------------------------------------------------------------------------------------------

    /// <summary>A small file in the Pick-a-Pic layout with chosen labels and image bytes, optionally without one column.</summary>
    static async Task<string> WriteRaw(string folder, double[] label0, double[] label1, byte[][] jpg1, string? dropColumn = null)
    {
        var path = Path.Combine(folder, "raw.parquet");
        var png = ImageCodec.Encode(RgbImage.Filled(8, 8, 10, 20, 30));
        var fields = C.Required.Where(f => f.Name != dropColumn).ToArray();
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream);
        using var group = writer.CreateRowGroup();
        var n = label0.Length;
        foreach (var field in fields)
        {
            if (field == C.Caption) await group.WriteAsync(field, Enumerable.Repeat("one red circle in the center on a white background", n).ToArray());
            else if (field == C.Jpg0) await group.WriteAsync(field, Enumerable.Repeat(png, n).ToArray());
            else if (field == C.Jpg1) await group.WriteAsync(field, jpg1);
            else if (field == C.Label0) await group.WriteAsync(field, new ReadOnlyMemory<double>(label0));
            else await group.WriteAsync(field, new ReadOnlyMemory<double>(label1));
        }
        return path;
    }

    static byte[] Png => ImageCodec.Encode(RgbImage.Filled(8, 8, 1, 2, 3));

    [Fact]
    public async Task MissingColumn_IsRejectedNamingFileAndColumn()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = await WriteRaw(temp.Path, [1], [0], [Png], dropColumn: "jpg_1");

        var e = await Assert.ThrowsAsync<PreferenceDataException>(() => PickapicReader.OpenAsync(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("jpg_1", e.Message);
    }

    [Theory]
    [InlineData(0.7, 0.3, "label_0", "not 0, 0.5 or 1")]
    [InlineData(1.0, 1.0, "label_1", "do not sum to 1")]
    [InlineData(0.5, 0.0, "label_1", "do not sum to 1")]
    public async Task BadLabels_AreRejectedNamingRowGroupRowAndColumn(double l0, double l1, string column, string reason)
    {
        using var temp = TestPaths.NewTempFolder();
        var path = await WriteRaw(temp.Path, [1, l0], [0, l1], [Png, Png]);

        var e = await Assert.ThrowsAsync<PreferenceDataException>(() => ReadAll(path));

        Assert.Equal((0, 1L, column), (e.RowGroup!.Value, e.Row!.Value, e.Column));
        Assert.Contains(reason, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public async Task UndecodableImage_IsRejectedNamingTheColumn()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = await WriteRaw(temp.Path, [1, 0], [0, 1], [Png, "not an image"u8.ToArray()]);

        var e = await Assert.ThrowsAsync<PreferenceDataException>(() => ReadAll(path));

        Assert.Equal((1L, "jpg_1"), (e.Row!.Value, e.Column));
        Assert.Contains("could not be decoded", e.Message);
    }

    [Fact]
    public async Task SkipBadRows_KeepsTheGoodOnes_AndCountsTheRestByReason()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = await WriteRaw(temp.Path, [1, 0.7, 0, 0.5], [0, 0.3, 1, 0.5], [Png, Png, [1, 2, 3], Png]);
        await using var reader = await PickapicReader.OpenAsync(path, new PickapicReadOptions(SkipBadRows: true));

        var pairs = await reader.ReadPairsAsync().ToListAsync();

        Assert.Equal([1.0, 0.5], pairs.Select(p => p.Label0));
        Assert.Equal(2, reader.Skipped.Count);
        Assert.Contains(reader.Skipped.ByReason.Keys, k => k.StartsWith("label_0"));
        Assert.Contains(reader.Skipped.ByReason.Keys, k => k.StartsWith("jpg_1"));
    }

    [Fact]
    public async Task TruncatedFile_GivesAClearError()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = await WriteWorld(temp.Path);
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);

        var e = await Assert.ThrowsAsync<PreferenceDataException>(() => PickapicReader.OpenAsync(path));

        Assert.Contains("truncated or corrupt", e.Message);
    }

    [Fact]
    public async Task MissingFile_GivesAClearError()
    {
        var e = await Assert.ThrowsAsync<PreferenceDataException>(() => PickapicReader.OpenAsync("/no/such/pairs.parquet"));
        Assert.Contains("file not found", e.Message);
    }
}
