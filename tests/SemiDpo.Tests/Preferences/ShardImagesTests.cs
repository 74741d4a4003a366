using SemiDpo.Data;
using SemiDpo.Preferences;
using SemiDpo.Rewards;
using SemiDpo.World;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Preferences;

/// <summary>A pair set whose images stay in their shards and are read a batch at a time (<see cref="ShardImages"/>): the same batches as held images, in bounded memory.</summary>
public class ShardImagesTests
{
    /// <summary>World pairs written as two shards of row groups of <paramref name="groupSize"/> rows (ties included); read back with their images, and without.</summary>
    static async Task<(List<PreferencePair> Pairs, List<EncodedPair> Rows)> Shards(string folder, int count, int groupSize, int seed = 5)
    {
        var pairs = new WorldBuilder(new WorldConfig(Pairs: count, Seed: seed)).Pairs(0, count);
        foreach (var (name, part) in new[] { ("train-00000.parquet", pairs[..(count / 2)]), ("train-00001.parquet", pairs[(count / 2)..]) })
        {
            await using var stream = File.Create(Path.Combine(folder, name));
            await using var writer = await PickapicWriter.CreateAsync(stream, withTruth: true);
            foreach (var group in part.Chunk(groupSize)) await writer.WriteRowGroupAsync(group);
        }
        var shards = await PickapicShards.OpenAsync(folder);
        var rows = await shards.ReadEncodedAsync(withImages: false).Where(p => !p.IsTie).ToListAsync();
        return (await shards.ReadPairsAsync().ToListAsync(), rows);
    }

    static bool Same(Tensor a, Tensor b) => a.equal(b).all().item<bool>();

    [Fact]
    public async Task StreamedImages_GiveTheSameBatchesImagesAndSubsets_AsHeldImages()
    {
        using var temp = TestPaths.NewTempFolder();
        var (pairs, rows) = await Shards(temp.Path, 30, groupSize: 4);
        var tokenizer = new CaptionTokenizer();
        const int side = 24;   // the world's 32² images are resized and cropped, as the held path does
        using var held = PairSet.From(pairs, tokenizer, side);
        using var streamed = PairSet.FromShards(rows, tokenizer, side);

        Assert.True(streamed.StreamsImages);
        Assert.False(held.StreamsImages);
        Assert.Equal(held.Count, streamed.Count);
        Assert.Equal(held.Winners.Shape, streamed.Winners.Shape);
        Assert.Equal(held.Rows, streamed.Rows);
        Assert.Equal(held.HumanIsTrue, streamed.HumanIsTrue);
        using var index = tensor(new long[] { 0, held.Count - 1, 5, 3, 5, 17 });   // both shards, several row groups, a repeat
        bool[] mirror = [false, true, false, true, true, false];
        var (w1, l1, t1) = held.Batch(index, CPU, mirror: mirror);
        var (w2, l2, t2) = streamed.Batch(index, CPU, mirror: mirror);
        Assert.True(Same(w1, w2) && Same(l1, l2) && Same(t1, t2));
        Assert.Equal(held.Images([9, 2], winners: false)[0].Pixels, streamed.Images([9, 2], winners: false)[0].Pixels);
        using var heldSubset = held.Subset(7, seed: 3);
        using var streamedSubset = streamed.Subset(7, seed: 3);
        using var all = arange(7L);
        Assert.True(Same(heldSubset.Batch(all, CPU).Losers, streamedSubset.Batch(all, CPU).Losers));
    }

    [Fact]
    public async Task ABatch_ReadsEachRowGroupOnce_AndTheCacheKeepsAtMostItsBytes()
    {
        using var temp = TestPaths.NewTempFolder();
        var (_, rows) = await Shards(temp.Path, 40, groupSize: 5);
        var groupBytes = await (await PickapicShards.OpenAsync(Path.Combine(temp.Path, "train-00000.parquet"))).ReadEncodedAsync()
            .Where(p => p.RowGroupIndex == 0).Select(p => (long)(p.Jpg0!.Length + p.Jpg1!.Length)).SumAsync();
        var images = new ShardImages(rows, resolution: 32, cacheBytes: groupBytes * 2);   // about two row groups
        using var winners = images.Side(winners: true);
        using var losers = images.Side(winners: false);

        using var first = tensor(new long[] { 0, 1, 2 });   // rows of the first row group
        winners.Select(first).Dispose();
        losers.Select(first).Dispose();
        Assert.Equal(1, images.RowGroupsRead);   // the losers found it in the cache
        using var spread = tensor(Enumerable.Range(0, rows.Count).Select(i => (long)i).ToArray());
        winners.Select(spread).Dispose();
        Assert.Equal(8, images.RowGroupsRead);   // 8 row groups, the first still cached
        Assert.InRange(images.CachedBytes, 1, images.CacheBytes);
    }

    [Fact]
    public async Task ASubset_StaysReadable_AfterItsParentIsDisposed()
    {
        using var temp = TestPaths.NewTempFolder();
        var (_, rows) = await Shards(temp.Path, 12, groupSize: 4);
        var set = PairSet.FromShards(rows, new CaptionTokenizer(), 32);
        using var subset = set.Subset(3, seed: 1);
        using var expected = subset.Batch(arange(3L), CPU).Winners;
        set.Dispose();

        using var index = arange(3L);
        Assert.True(Same(expected, subset.Batch(index, CPU).Winners));
    }

    [Fact]
    public async Task AnUndecodableImage_StopsTheBatch_NamingItsFileRowGroupRowAndColumn()
    {
        using var temp = TestPaths.NewTempFolder();
        var pairs = new WorldBuilder(new WorldConfig(Pairs: 6, Seed: 2)).Pairs(0, 6).Where(p => !p.IsTie).Select(EncodedPair.From).ToList();
        pairs[3] = pairs[3] with { Jpg1 = [1, 2, 3] };
        var path = Path.Combine(temp.Path, "bad.parquet");
        await using (var stream = File.Create(path))
        await using (var writer = await PickapicWriter.CreateAsync(stream, withTruth: true))
        {
            await writer.WriteRowGroupAsync(pairs[..2]);
            await writer.WriteRowGroupAsync(pairs[2..]);
        }
        var rows = await (await PickapicShards.OpenAsync(path)).ReadEncodedAsync(withImages: false).ToListAsync();
        using var set = PairSet.FromShards(rows, new CaptionTokenizer(), 32);
        using var fine = tensor(new long[] { 0, 2 });
        set.Batch(fine, CPU);

        using var bad = tensor(new long[] { 0, 3 });
        var e = Assert.Throws<PreferenceDataException>(() => set.Batch(bad, CPU));
        Assert.Contains("bad.parquet: row group 1, row 3, column 'jpg_1'", e.Message);
    }

    [Fact]
    public async Task StageTwoData_StreamsTheImages_WhenAsked_AndHoldsSmallSetsOtherwise()
    {
        using var temp = TestPaths.NewTempFolder();
        var world = new WorldBuilder(new WorldConfig(Pairs: 40, Seed: 4)).Pairs(0, 40);
        var files = new ConsensusFiles(temp.Path);
        foreach (var (path, part) in new[] { (files.CleanTrain, world[..16]), (files.CleanTest, world[16..24]), (files.Noisy, world[24..]) })
        {
            await using var stream = File.Create(path);
            await using var writer = await PickapicWriter.CreateAsync(stream, withTruth: true);
            await writer.WriteRowGroupAsync(part);
        }
        var tokenizer = new CaptionTokenizer();

        using var streamed = await StageTwoData.LoadAsync(files, tokenizer, resolution: 16, streamImages: true);
        using var held = await StageTwoData.LoadAsync(files, tokenizer, resolution: 16);

        Assert.True(new[] { streamed.CleanTrain, streamed.CleanTest, streamed.Unlabeled }.All(s => s.StreamsImages));
        Assert.True(new[] { held.CleanTrain, held.CleanTest, held.Unlabeled }.All(s => !s.StreamsImages));
        using var index = arange(held.Unlabeled.Count);
        Assert.True(Same(held.Unlabeled.Batch(index, CPU).Winners, streamed.Unlabeled.Batch(index, CPU).Winners));
    }
}
