using SemiDpo.Data;

namespace SemiDpo.Rewards;

/// <summary>The outcome of a streamed consensus filter: the split (by position among the non-tie pairs), each position's official idx, and the stats.</summary>
/// <param name="Unmatched">Score lines naming rows that are not among the pairs (rows the reader left out by design or as bad).</param>
public sealed record StreamedConsensusResult(ConsensusSplit Split, long[] Rows, ConsensusStats Stats, long Unmatched = 0);

/// <summary>
/// Multi-reward consensus filtering over shards too large to hold (what <c>semidpo filter --scores</c> runs): a
/// label-only pass that never reads an image, then every score file streamed into <see cref="ConsensusVotes"/>. Memory
/// is a few bytes per pair. Copy the subsets with <see cref="ConsensusFiles.WriteSubsetsAsync"/> when wanted.
/// </summary>
public static class StreamedConsensus
{
    /// <param name="skipped">Where pairs some judge did not score are recorded; null makes them an error.</param>
    public static async Task<StreamedConsensusResult> RunAsync(PickapicShards source, IReadOnlyList<string> scoreFiles, ConsensusConfig config,
        SkippedRows? skipped = null, CancellationToken cancellation = default)
    {
        var rows = new List<long>();
        var human = new List<sbyte>();
        var truth = source.HasTruth ? new List<sbyte>() : null;
        var ties = 0;
        await foreach (var pair in source.ReadEncodedAsync(withImages: false, cancellation))
        {
            if (pair.IsTie) { ties++; continue; }   // no official idx and no scores: dropped first
            rows.Add(pair.Row);
            human.Add((sbyte)Math.Sign(pair.Label0 - pair.Label1));
            truth?.Add((sbyte)(pair.Truth?.TruePreference ?? 0));
        }
        long[] rowArray = [.. rows];
        var votes = new ConsensusVotes(rowArray, [.. human], config);
        votes.AddFiles(scoreFiles);
        source.CheckIdx(votes.LargestRow, string.Join(", ", scoreFiles));
        var split = votes.Split(config, skipped) with { Ties = ties };
        return new StreamedConsensusResult(split, rowArray, ConsensusFiles.Summarise([.. human], truth is null ? null : [.. truth], split), votes.Unmatched);
    }
}
