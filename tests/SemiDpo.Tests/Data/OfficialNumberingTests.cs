using SemiDpo.Data;
using SemiDpo.Rewards;
using SemiDpo.World;

namespace SemiDpo.Tests.Data;

/// <summary>
/// Pairs are numbered as the official <c>prepare_pickapic.py</c> numbers them — idx = position among the rows whose
/// label_0 is not 0.5, over the shards in order — so the official score, clean_idx and pseudo-label files attach to the
/// pairs they name.
/// </summary>
public class OfficialNumberingTests
{
    [Fact]
    public async Task Idx_CountsEveryNonTieRowOfEarlierShards_BadAndExcludedRowsIncluded()
    {
        using var temp = TestPaths.NewTempFolder();
        await PickapicQuirksTests.WriteQuirkyShard(temp.Path, "train-00000.parquet");   // 7 rows, one a tie: idx 0…5
        await new WorldBuilder(new WorldConfig(Pairs: 20, Seed: 3)).WriteAsync(Path.Combine(temp.Path, "train-00001.parquet"));
        var world = await PickapicFile.ReadPairsAsync(Path.Combine(temp.Path, "train-00001.parquet"));
        long next = 6;   // prepare_pickapic.py: filter(label_0 != 0.5), then add_column("idx", range(len))
        long[] expected = [0, 5, .. world.Select(p => p.Label0 == 0.5 ? -1 : next++)];

        var shards = await PickapicShards.OpenAsync(temp.Path, new PickapicReadOptions(SkipBadRows: true));
        var pairs = await shards.ReadPairsAsync().ToListAsync();

        Assert.Equal(expected, pairs.Select(p => p.Row));
    }

    [Fact]
    public async Task AnOfficialScoreFile_AttachesToThePairsItNames_PastATieAndBadRows()
    {
        using var temp = TestPaths.NewTempFolder();
        var shard = await PickapicQuirksTests.WriteQuirkyShard(temp.Path);
        // score_pairs.py scores every row of the tie-free dataset: idx 0…5. The quirky shard's labelled rows with readable
        // labels are idx 0 (human picks image 0), 1 and 5 (image 1); both judges prefer image 0 everywhere.
        var scores = Path.Combine(temp.Path, "scores_rank000.jsonl");
        File.WriteAllLines(scores, Enumerable.Range(0, 6).Select(i => ScoreJsonl.Line(i, [("clip_score", 1f, 0f), ("pick_score", 1f, 0f)])));
        var source = await PickapicShards.OpenAsync(shard, new PickapicReadOptions(SkipBadRows: true));

        var result = await StreamedConsensus.RunAsync(source, [scores], new ConsensusConfig(TestFraction: 0));

        Assert.Equal([0L, 1, 5], result.Rows);   // a label-only pass does not decode images: idx 1's bad image goes unseen
        Assert.Equal([0L], result.Split.CleanTrain.Select(i => result.Rows[i]));
        Assert.Equal([1L, 5], result.Split.Noisy.Select(i => result.Rows[i]));
    }

    [Fact]
    public async Task AScoreFileNumberedTheOldWay_IsRefused_NotAttachedToOtherPairs()
    {
        using var temp = TestPaths.NewTempFolder();
        var shard = await PickapicQuirksTests.WriteQuirkyShard(temp.Path);
        // Every raw row numbered (0…6), as semidpo did before: idx 6 does not exist among the 6 non-tie rows.
        var scores = Path.Combine(temp.Path, "old.jsonl");
        File.WriteAllLines(scores, Enumerable.Range(0, 7).Select(i => ScoreJsonl.Line(i, [("clip_score", 1f, 0f)])));
        var source = await PickapicShards.OpenAsync(shard, new PickapicReadOptions(SkipBadRows: true));

        var e = await Assert.ThrowsAsync<PreferenceDataException>(() => StreamedConsensus.RunAsync(source, [scores], new ConsensusConfig(TestFraction: 0)));

        Assert.Equal(6, source.NonTieRows);
        Assert.Contains("names idx 6, but the shards have 6 non-tie rows", e.Message);
        Assert.Contains("scored again", e.Message);
    }
}
