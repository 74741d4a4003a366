using SemiDpo.Data;

namespace SemiDpo.Rewards;

/// <summary>
/// Multi-reward consensus filtering (paper §3.3, the same rule as <see cref="ConsensusFilter"/>) over pairs whose scores
/// arrive as a stream, one judge's score of one row at a time, in any order: each judge's vote is kept as one bit per
/// pair, so memory is a few bytes per pair — the pairs' rows, their label signs and two bit masks — never the scores or
/// the images. <see cref="Split"/> gives the same partition as <see cref="ConsensusFilter.Split"/> on the same scores.
/// </summary>
public sealed class ConsensusVotes
{
    readonly long[] rows;
    readonly sbyte[] preference;
    readonly uint[] agrees, seen;
    readonly List<string> judges = [];
    readonly float tolerance;

    /// <param name="rows">The pairs' rows in the scored source, ascending (as a reader yields them).</param>
    /// <param name="preference">The human label per pair: +1 image 0, −1 image 1, 0 a tie.</param>
    public ConsensusVotes(long[] rows, sbyte[] preference, ConsensusConfig? config = null)
    {
        if (rows.Length != preference.Length) throw new ArgumentException($"{rows.Length} rows but {preference.Length} labels.");
        for (var i = 1; i < rows.Length; i++)
            if (rows[i] <= rows[i - 1]) throw new ArgumentException($"rows must be strictly ascending (row {rows[i]} after {rows[i - 1]}).");
        (this.rows, this.preference) = (rows, preference);
        (agrees, seen) = (new uint[rows.Length], new uint[rows.Length]);
        tolerance = (float)(config ?? new ConsensusConfig()).JudgeTieTolerance;
    }

    public IReadOnlyList<string> Judges => judges;
    /// <summary>Scores of rows that are not among the pairs (rows the reader left out, or beyond the data).</summary>
    public long Unmatched { get; private set; }
    /// <summary>The largest row any score named (−1 before the first).</summary>
    public long LargestRow { get; private set; } = -1;

    /// <summary>Records one judge's scores of one row; a row scored twice must vote the same way both times.</summary>
    public void Add(string judge, long row, float score0, float score1, string file, int line)
    {
        var k = judges.IndexOf(judge);
        if (k < 0)
        {
            if (judges.Count == 32) throw new ScoreFileException(file, line, "more than 32 judges.");
            judges.Add(judge);
            k = judges.Count - 1;
        }
        LargestRow = Math.Max(LargestRow, row);
        var i = Array.BinarySearch(rows, row);
        if (i < 0) { Unmatched++; return; }
        var bit = 1u << k;
        var margin = preference[i] > 0 ? score0 - score1 : score1 - score0;
        var agree = preference[i] != 0 && margin > tolerance;
        if ((seen[i] & bit) != 0)
        {
            if (agree != ((agrees[i] & bit) != 0))
                throw new ScoreFileException(file, line, $"row {row} of '{judge}' appears twice with scores that vote differently.");
            return;
        }
        seen[i] |= bit;
        if (agree) agrees[i] |= bit;
    }

    /// <summary>Reads score files (jsonl, CSV or parquet) into the votes.</summary>
    public void AddFiles(IEnumerable<string> paths)
    {
        foreach (var path in paths) ScoreFiles.Stream(path, (judge, row, s0, s1, line) => Add(judge, row, s0, s1, path, line));
    }

    /// <summary>
    /// The partition, by position in the pairs given to the constructor. A pair some judge did not score is an error
    /// naming judge and row, or (<paramref name="skipped"/> given) left out and recorded there.
    /// </summary>
    public ConsensusSplit Split(ConsensusConfig? config = null, SkippedRows? skipped = null)
    {
        config ??= new ConsensusConfig();
        if (judges.Count == 0) throw new ScoreFileException("score files", 0, "no judge scores found.");
        var all = judges.Count == 32 ? uint.MaxValue : (1u << judges.Count) - 1;
        var clean = new List<int>();
        var noisy = new List<int>();
        var agree = new long[judges.Count];
        var ties = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            if (seen[i] != all)
            {
                var missing = judges[System.Numerics.BitOperations.TrailingZeroCount(~seen[i] & all)];
                if (skipped is null) throw new ScoreFileException("score files", 0, $"judge '{missing}' has no score for row {rows[i]}.");
                skipped.Add(new SkippedRow("score files", -1, rows[i], missing, "no score for this row"));
                continue;
            }
            if (preference[i] == 0) { ties++; continue; }
            for (var k = 0; k < judges.Count; k++)
                if ((agrees[i] & (1u << k)) != 0) agree[k]++;
            (agrees[i] == all ? clean : noisy).Add(i);
        }
        var nonTie = clean.Count + noisy.Count;
        var (train, test) = ConsensusFilter.HoldOut(clean, config.TestFraction, config.Seed);
        return new ConsensusSplit(judges.ToList(), train, test, noisy.ToArray(), ties,
            judges.Select((j, k) => (j, nonTie == 0 ? double.NaN : (double)agree[k] / nonTie)).ToDictionary(t => t.j, t => t.Item2));
    }
}
