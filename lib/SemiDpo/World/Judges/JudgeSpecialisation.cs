using Microsoft.Data.Analysis;
using SemiDpo.Data;
using SemiDpo.Rewards;

namespace SemiDpo.World.Judges;

/// <summary>
/// The paper's Table 6 in the world: for each judge and each oracle dimension (and the true preference), the share of
/// pairs on which the judge's score difference has the sign of the dimension's difference. Pairs whose dimension
/// difference is below <see cref="Margin"/> or on which the judge ties are left out.
/// </summary>
public static class JudgeSpecialisation
{
    public const double Margin = 0.02;

    public static DataFrame Compute(IReadOnlyList<PreferencePair> pairs, ScoreTable scores)
    {
        if (pairs.Count != scores.Rows) throw new ArgumentException($"{pairs.Count} pairs for {scores.Rows} scored rows.");
        if (pairs.Any(p => p.Truth is null)) throw new ArgumentException("The specialisation matrix needs ground truth (a world file).");
        var columns = new List<DataFrameColumn> { new StringDataFrameColumn("judge", scores.Judges) };
        foreach (var d in Enum.GetValues<Dimension>())
            columns.Add(new DoubleDataFrameColumn(d.ToString().ToLowerInvariant(),
                scores.Judges.Select((_, k) => Agreement(pairs, scores, k, p => p.Truth!.Image0[d] - p.Truth.Image1[d]))));
        columns.Add(new DoubleDataFrameColumn("true preference",
            scores.Judges.Select((_, k) => Agreement(pairs, scores, k, p => p.Truth!.Utility0 - p.Truth.Utility1))));
        columns.Add(new DoubleDataFrameColumn("human label",
            scores.Judges.Select((_, k) => Agreement(pairs, scores, k, p => p.IsTie ? 0 : p.HumanPreference))));
        return new DataFrame(columns);
    }

    static double Agreement(IReadOnlyList<PreferencePair> pairs, ScoreTable scores, int judge, Func<PreferencePair, double> difference)
    {
        int agree = 0, total = 0;
        for (var i = 0; i < pairs.Count; i++)
        {
            var truth = difference(pairs[i]);
            var judged = scores.Score0[judge][i] - scores.Score1[judge][i];
            if (Math.Abs(truth) < Margin || judged == 0) continue;
            total++;
            if (Math.Sign(truth) == Math.Sign(judged)) agree++;
        }
        return total == 0 ? double.NaN : (double)agree / total;
    }
}
