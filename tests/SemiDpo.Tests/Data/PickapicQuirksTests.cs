using Parquet;
using Parquet.Schema;
using SemiDpo.Data;
using SemiDpo.Imaging;
using SemiDpo.World;
using C = SemiDpo.Data.PickapicColumns;

namespace SemiDpo.Tests.Data;

/// <summary>What real Pick-a-Pic shards hold besides clean rows, and shards read as one stream.</summary>
public class PickapicQuirksTests
{
    /// <summary>One row per quirk: good, undecodable image, null caption, same images, no label, bad label, good.</summary>
    internal static async Task<string> WriteQuirkyShard(string folder, string name = "quirky.parquet")
    {
        var path = Path.Combine(folder, name);
        var png = ImageCodec.Encode(RgbImage.Filled(8, 8, 10, 20, 30));
        string?[] caption = ["a red circle", "a blue square", null, "a green star", "a cat", "a dog", "a white square"];
        byte[][] jpg1 = [png, "not an image"u8.ToArray(), png, png, png, png, png];
        double[] label0 = [1, 0, 1, 1, 0.5, 0.7, 0];
        double[] label1 = [0, 1, 0, 0, 0.5, 0.3, 1];
        bool[] different = [true, true, true, false, true, true, true];
        bool[] hasLabel = [true, true, true, true, false, true, true];
        var fields = C.Required.Append(C.AreDifferent).Append(C.HasLabel).ToArray();
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(C.Caption, caption);
        await group.WriteAsync(C.Jpg0, Enumerable.Repeat(png, caption.Length).ToArray());
        await group.WriteAsync(C.Jpg1, jpg1);
        await group.WriteAsync(C.Label0, new ReadOnlyMemory<double>(label0));
        await group.WriteAsync(C.Label1, new ReadOnlyMemory<double>(label1));
        await group.WriteAsync(C.AreDifferent, new ReadOnlyMemory<bool>(different));
        await group.WriteAsync(C.HasLabel, new ReadOnlyMemory<bool>(hasLabel));
        return path;
    }

    [Fact]
    public async Task QuirkyShard_WithSkipBadRows_KeepsTheGoodRows_ExcludesByDesign_AndListsEveryBadRow()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = await WriteQuirkyShard(temp.Path);
        var shards = await PickapicShards.OpenAsync(path, new PickapicReadOptions(SkipBadRows: true));

        var pairs = await shards.ReadPairsAsync().ToListAsync();

        // The official idx: row 4 (label 0.5) is a tie and takes no number; the bad and excluded rows keep theirs.
        Assert.Equal([0L, 5], pairs.Select(p => p.Row));
        Assert.Equal(new[] { 3L, 4 }, shards.Excluded.Rows.Select(r => r.Row));
        Assert.Equal(["are_different", "has_label"], shards.Excluded.Rows.Select(r => r.Column));
        Assert.Equal(new[] { (1L, "jpg_1"), (2L, "caption"), (5L, "label_0") }, shards.Skipped.Rows.Select(r => (r.Row, r.Column)));
        Assert.All(shards.Skipped.Rows, r => Assert.Equal((path, 0), (r.File, r.RowGroup)));
    }

    [Fact]
    public async Task QuirkyShard_WithoutSkipping_StopsAtTheFirstBadRow_ButNotAtExcludedOnes()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = await WriteQuirkyShard(temp.Path);

        var e = await Assert.ThrowsAsync<PreferenceDataException>(() => PickapicFile.ReadPairsAsync(path));

        Assert.Equal((1L, "jpg_1"), (e.Row!.Value, e.Column));
    }

    [Fact]
    public async Task SkippedRows_SideFile_ListsFileRowGroupRowColumnAndReason()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = await WriteQuirkyShard(temp.Path);
        var shards = await PickapicShards.OpenAsync(path, new PickapicReadOptions(SkipBadRows: true));
        await shards.ReadPairsAsync().ToListAsync();
        var csv = Path.Combine(temp.Path, "skipped.csv");

        shards.Skipped.WriteCsv(csv);

        var lines = File.ReadAllLines(csv);
        Assert.Equal("file,row_group,row,column,reason", lines[0]);
        Assert.Equal($"{path},0,1,jpg_1,image bytes could not be decoded as PNG or JPEG", lines[1]);
        Assert.Equal(4, lines.Length);
    }

    [Fact]
    public async Task ShardsReadAsOneStream_NumberTheNonTieRowsOfTheConcatenation()
    {
        using var temp = TestPaths.NewTempFolder();
        var world = new WorldBuilder(new WorldConfig(Pairs: 30, Seed: 5));
        var all = world.Pairs(0, 30);
        foreach (var (start, name) in new[] { (0, "train-00000.parquet"), (12, "train-00001.parquet"), (21, "train-00002.parquet") })
        {
            var end = start switch { 0 => 12, 12 => 21, _ => 30 };
            await using var stream = File.Create(Path.Combine(temp.Path, name));
            await using var writer = await PickapicWriter.CreateAsync(stream, withTruth: true);
            foreach (var chunk in all.Skip(start).Take(end - start).Chunk(5)) await writer.WriteRowGroupAsync(chunk);
        }

        var byGlob = await PickapicShards.OpenAsync(Path.Combine(temp.Path, "train-*.parquet"));
        var byFolder = await PickapicShards.OpenAsync(temp.Path);
        var pairs = await byGlob.ReadPairsAsync().ToListAsync();

        Assert.Equal(3, byGlob.Files.Count);
        Assert.Equal(byGlob.Files, byFolder.Files);
        Assert.Equal(30, byGlob.RowCount);
        long next = 0;
        Assert.Equal(all.Select(p => p.Label0 == 0.5 ? -1 : next++), pairs.Select(p => p.Row));
        Assert.Contains(pairs, p => p.IsTie);
        Assert.Equal(all.Select(p => p.Caption), pairs.Select(p => p.Caption));
        Assert.Equal(all[25].Image1.Pixels, pairs[25].Image1.Pixels);
    }

    [Fact]
    public async Task AGlobMatchingNothing_IsAClearError()
    {
        using var temp = TestPaths.NewTempFolder();
        var e = await Assert.ThrowsAsync<PreferenceDataException>(() => PickapicShards.OpenAsync(Path.Combine(temp.Path, "train-*.parquet")));
        Assert.Contains("no parquet files", e.Message);
    }
}
