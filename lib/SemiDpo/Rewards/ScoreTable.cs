namespace SemiDpo.Rewards;

/// <summary>Scores of both images of every pair by several judges: <c>Score0[judge][row]</c>, <c>Score1[judge][row]</c>.</summary>
public sealed class ScoreTable
{
    public ScoreTable(IReadOnlyList<string> judges, float[][] score0, float[][] score1)
    {
        if (judges.Count == 0) throw new ArgumentException("A score table needs at least one judge.");
        if (score0.Length != judges.Count || score1.Length != judges.Count)
            throw new ArgumentException($"{judges.Count} judges but {score0.Length}/{score1.Length} score columns.");
        Rows = score0[0].Length;
        if (score0.Concat(score1).Any(c => c.Length != Rows))
            throw new ArgumentException("Every judge must score the same number of rows.");
        (Judges, Score0, Score1) = (judges, score0, score1);
    }

    public IReadOnlyList<string> Judges { get; }
    public float[][] Score0 { get; }
    public float[][] Score1 { get; }
    public int Rows { get; }

    public int IndexOf(string judge)
    {
        for (var k = 0; k < Judges.Count; k++) if (Judges[k] == judge) return k;
        throw new ArgumentException($"No scores for judge '{judge}'; the table has {string.Join(", ", Judges)}.");
    }

    /// <summary>
    /// Each judge's vote on one pair, as a caption: "MiniClip A · MiniAesthetic B · …", "=" where the two scores differ
    /// by no more than <see cref="ConsensusFilter"/>'s default tie tolerance (a judge tie is not a vote).
    /// </summary>
    public string Votes(int row)
    {
        var tolerance = (float)new ConsensusConfig().JudgeTieTolerance;
        string Vote(int k)
        {
            var margin = Score0[k][row] - Score1[k][row];
            return margin > tolerance ? "A" : -margin > tolerance ? "B" : "=";
        }
        return string.Join(" · ", Judges.Select((judge, k) => $"{judge} {Vote(k)}"));
    }

    /// <summary>The same rows with only the named judges, in that order.</summary>
    public ScoreTable Select(IReadOnlyList<string> judges)
    {
        var idx = judges.Select(IndexOf).ToArray();
        return new ScoreTable(judges, idx.Select(k => Score0[k]).ToArray(), idx.Select(k => Score1[k]).ToArray());
    }
}
