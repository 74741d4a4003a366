using SemiDpo.Preferences;
using SemiDpo.World;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Preferences;

/// <summary>A pair set's images are held in chunks (.NET arrays stop at 2 GB: ≈ 2,700 pairs at 512²), with the batches one tensor gives.</summary>
public class PairSetChunkTests
{
    [Fact]
    public void ImagesInSmallChunks_GiveTheSameBatchesAndImages_AsOneChunk()
    {
        var pairs = new WorldBuilder(new WorldConfig(Pairs: 40, Seed: 5)).Pairs(0, 40);
        var tokenizer = new CaptionTokenizer();
        using var one = PairSet.From(pairs, tokenizer);
        var pairBytes = 3 * pairs[0].Image0.Height * pairs[0].Image0.Width;
        using var chunked = PairSet.From(pairs, tokenizer, null, chunkBytes: 3 * pairBytes);   // 3 pairs a chunk

        Assert.Equal(one.Count, chunked.Count);
        using var index = tensor(new long[] { 0, 2, 3, one.Count - 1, 7, 3 });
        var (w1, l1, t1) = one.Batch(index, CPU);
        var (w2, l2, t2) = chunked.Batch(index, CPU);
        Assert.True(w1.equal(w2).all().item<bool>() && l1.equal(l2).all().item<bool>() && t1.equal(t2).all().item<bool>());
        Assert.Equal(one.Images([5, 6], winners: false)[1].Pixels, chunked.Images([5, 6], winners: false)[1].Pixels);
    }
}
