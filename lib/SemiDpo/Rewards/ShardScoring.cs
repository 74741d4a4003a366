using SemiDpo.Data;
using SemiDpo.IO;

namespace SemiDpo.Rewards;

/// <summary>
/// Stage 1's scoring at scale (what <c>semidpo score</c> runs): the non-tie pairs of a stream of shards that this
/// process's <see cref="Shard"/> owns (by official idx), both images scored by every judge a batch at a time and appended to a resumable
/// <see cref="ScoreJsonl"/> (the official scores_rank{r:03d}.jsonl); rows already in the file are skipped.
/// </summary>
public static class ShardScoring
{
    /// <summary>Scores the owned rows not yet in <paramref name="file"/>; reports pairs scored; returns how many.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<IRewardModel> judges, PickapicShards source, ScoreJsonl file, Shard shard, int batchSize,
        IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        var scored = 0;
        var batch = new List<PreferencePair>();
        void Flush()
        {
            if (batch.Count == 0) return;
            var prompts = batch.Select(p => p.Caption).Concat(batch.Select(p => p.Caption)).ToList();
            var images = batch.Select(p => p.Image0).Concat(batch.Select(p => p.Image1)).ToList();
            var scores = judges.Select(j => (j.Name, Scores: j.Score(prompts, images))).ToList();
            for (var i = 0; i < batch.Count; i++)
                file.Append(batch[i].Row, scores.ToDictionary(s => s.Name, s => (s.Scores[i], s.Scores[batch.Count + i])));
            scored += batch.Count;
            progress?.Report(batch.Count);
            batch.Clear();
        }
        await foreach (var pair in source.ReadPairsAsync(cancellation))
        {
            if (pair.IsTie || !shard.Owns(pair.Row) || file.Done.Contains(pair.Row)) continue;   // ties: no idx, not scored (as officially)
            batch.Add(pair);
            if (batch.Count == batchSize) Flush();
        }
        Flush();
        return scored;
    }
}
