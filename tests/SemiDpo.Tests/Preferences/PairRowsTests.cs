using SemiDpo.Preferences;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Preferences;

/// <summary>A pair set's side kept in chunks gives the rows one concatenated tensor would give, in the asked order.</summary>
public class PairRowsTests
{
    static Tensor Chunk(int first, int rows) => arange(first * 6, (first + rows) * 6, dtype: ScalarType.Float32).view(rows, 2, 3);

    [Fact]
    public void Select_AcrossChunks_GivesTheRowsOfTheConcatenation_InTheAskedOrder()
    {
        using var whole = Chunk(0, 10);
        using var rows = new PairRows([Chunk(0, 4), Chunk(4, 1), Chunk(5, 5)]);
        long[] wanted = [9, 0, 4, 3, 5, 4];

        using var picked = rows.Select(tensor(wanted));

        Assert.Equal([10L, 2, 3], rows.Shape);
        Assert.True(picked.equal(whole.index_select(0, tensor(wanted))).all().item<bool>());
    }

    [Fact]
    public void PickOfAPick_ListsRowsOfTheOriginalChunks_AndOutlivesThem()
    {
        using var whole = Chunk(0, 10);
        var rows = new PairRows([Chunk(0, 3), Chunk(3, 7)]);
        using var first = rows.Pick([8, 1, 5, 2]);
        using var second = first.Pick([3, 0]);
        rows.Dispose();

        Assert.Equal(2, second.Count);
        Assert.True(second.Select(tensor(new long[] { 0, 1 })).equal(whole.index_select(0, tensor(new long[] { 2, 8 }))).all().item<bool>());
        Assert.Throws<ArgumentOutOfRangeException>(() => first.Pick([4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => second.Select(tensor(new long[] { 2 })));
    }

    [Fact]
    public void ChunksOfDifferentRowShapes_AreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new PairRows([zeros(2, 3), zeros(2, 4)]));
        Assert.Contains("[2, 4]", e.Message);
    }
}
