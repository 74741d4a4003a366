using Microsoft.Data.Analysis;
using SemiDpo.Data;
using SemiDpo.Rewards;

namespace SemiDpo.World.Judges;

/// <summary>One judge set of the K-ablation: how big its clean subset is and how often that subset's human labels are right.</summary>
public sealed record AblationRow(string Judges, int K, bool PaperOrder, int Clean, double CleanFraction, double LabelAccuracy);

/// <summary>
/// The paper's Table 5 in the world: consensus with K = 2…5 judges in the paper's order (CLIP+Aes, +HPS, +IR, +Pick)
/// and, beyond the paper, every non-empty subset — clean size against the label accuracy (vs the TRUE preference).
/// </summary>
public static class ConsensusAblation
{
    public static IReadOnlyList<AblationRow> Run(IReadOnlyList<PreferencePair> pairs, ScoreTable scores, ConsensusConfig? config = null)
    {
        if (pairs.Count != scores.Rows) throw new ArgumentException($"{pairs.Count} pairs for {scores.Rows} scored rows.");
        var label0 = pairs.Select(p => p.Label0).ToArray();
        var label1 = pairs.Select(p => p.Label1).ToArray();
        var paper = Enumerable.Range(2, Math.Max(0, scores.Judges.Count - 1))
            .Select(k => JudgePanel.PaperOrder.Where(scores.Judges.Contains).Take(k).ToList())
            .Where(s => s.Count >= 2)
            .Select(s => string.Join("+", s))
            .ToHashSet();
        var rows = new List<AblationRow>();
        for (var mask = 1; mask < 1 << scores.Judges.Count; mask++)
        {
            var subset = scores.Judges.Where((_, k) => (mask & (1 << k)) != 0).ToList();
            var split = ConsensusFilter.Split(label0, label1, scores.Select(subset), config);
            var name = string.Join("+", subset);
            rows.Add(new AblationRow(name, subset.Count, paper.Contains(name), split.CleanTrain.Length + split.CleanTest.Length,
                split.CleanFraction, LabelAccuracy(pairs, split.Clean)));
        }
        return rows.OrderByDescending(r => r.PaperOrder).ThenBy(r => r.K).ThenByDescending(r => r.LabelAccuracy).ToList();
    }

    /// <summary>Share of the given rows whose human label matches the true preference (rows without a strict truth left out).</summary>
    public static double LabelAccuracy(IReadOnlyList<PreferencePair> pairs, IEnumerable<int> rows)
    {
        int right = 0, total = 0;
        foreach (var i in rows)
        {
            var truth = pairs[i].Truth?.TruePreference ?? 0;
            if (truth == 0 || pairs[i].IsTie) continue;
            total++;
            if (truth == pairs[i].HumanPreference) right++;
        }
        return total == 0 ? double.NaN : (double)right / total;
    }

    public static DataFrame ToFrame(IReadOnlyList<AblationRow> rows) => new(
        new StringDataFrameColumn("judges", rows.Select(r => r.Judges)),
        new Int32DataFrameColumn("K", rows.Select(r => r.K)),
        new BooleanDataFrameColumn("paper order", rows.Select(r => r.PaperOrder)),
        new Int32DataFrameColumn("clean pairs", rows.Select(r => r.Clean)),
        new DoubleDataFrameColumn("clean fraction", rows.Select(r => r.CleanFraction)),
        new DoubleDataFrameColumn("label accuracy vs truth", rows.Select(r => r.LabelAccuracy)));
}
