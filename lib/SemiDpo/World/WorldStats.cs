using System.Globalization;
using Microsoft.Data.Analysis;
using SemiDpo.Data;

namespace SemiDpo.World;

/// <summary>Mean oracle scores of one generator's images.</summary>
public sealed record GeneratorScores(string Model, int Images, double Alignment, double Aesthetics, double Detail, double Utility);

/// <summary>
/// The statistics that say whether a world looks like Pick-a-Pic v2 (≈12 % ties, human label agreeing with the
/// truth on ≈65–75 % of non-tie pairs, many pairs trading one dimension for another).
/// </summary>
public sealed record WorldStats(
    int Pairs,
    int Prompts,
    int Annotators,
    double TieShare,
    double HumanAgreesWithTruth,
    double TradeOffShare,
    IReadOnlyDictionary<Dimension, double> HumanAgreesWithDimension,
    IReadOnlyList<GeneratorScores> Generators)
{
    /// <summary>Dimension differences smaller than this do not count as a win in the trade-off share.</summary>
    public const double TradeOffMargin = 0.02;

    /// <summary>Computes the statistics of pairs that carry ground truth (throws for real data, which has none).</summary>
    public static WorldStats Compute(IEnumerable<PreferencePair> pairs)
    {
        int n = 0, ties = 0, decided = 0, agree = 0, tradeOffs = 0;
        var prompts = new HashSet<string>();
        var users = new HashSet<long>();
        var dimensionAgree = Enum.GetValues<Dimension>().ToDictionary(d => d, _ => (Agree: 0, Total: 0));
        var perModel = new Dictionary<string, List<(OracleScores Scores, double Utility)>>();
        foreach (var pair in pairs)
        {
            var truth = pair.Truth ?? throw new InvalidOperationException("World statistics need ground truth; this pair has none (real data?).");
            n++;
            prompts.Add(pair.Caption);
            users.Add(pair.Metadata.UserId);
            Collect(perModel, pair.Metadata.Model0, truth.Image0, truth.Utility0);
            Collect(perModel, pair.Metadata.Model1, truth.Image1, truth.Utility1);
            var wins = Enum.GetValues<Dimension>().Select(d => truth.Image0[d] - truth.Image1[d]).ToList();
            if (wins.Any(w => w > TradeOffMargin) && wins.Any(w => w < -TradeOffMargin)) tradeOffs++;
            if (pair.IsTie) { ties++; continue; }
            foreach (var d in Enum.GetValues<Dimension>())
            {
                var sign = Math.Sign(truth.Image0[d] - truth.Image1[d]);
                if (sign == 0) continue;
                var (a, t) = dimensionAgree[d];
                dimensionAgree[d] = (a + (sign == pair.HumanPreference ? 1 : 0), t + 1);
            }
            if (truth.TruePreference == 0) continue;
            decided++;
            if (truth.TruePreference == pair.HumanPreference) agree++;
        }
        if (n == 0) throw new InvalidOperationException("No pairs to compute statistics of.");
        return new WorldStats(n, prompts.Count, users.Count, (double)ties / n, decided == 0 ? double.NaN : (double)agree / decided,
            (double)tradeOffs / n,
            dimensionAgree.ToDictionary(kv => kv.Key, kv => kv.Value.Total == 0 ? double.NaN : (double)kv.Value.Agree / kv.Value.Total),
            perModel.OrderBy(kv => kv.Key).Select(kv => new GeneratorScores(kv.Key, kv.Value.Count,
                kv.Value.Average(s => s.Scores.Alignment), kv.Value.Average(s => s.Scores.Aesthetics),
                kv.Value.Average(s => s.Scores.Detail), kv.Value.Average(s => s.Utility))).ToList());
    }

    /// <summary>The statistics beside Pick-a-Pic v2's values / the calibration targets, as a table.</summary>
    public DataFrame ToFrame()
    {
        var rows = new List<(string Statistic, string Value, string Target)>
        {
            ("pairs", Pairs.ToString("N0", CultureInfo.InvariantCulture), "851,293 non-tie pairs (Pick-a-Pic v2)"),
            ("distinct prompts", Prompts.ToString("N0", CultureInfo.InvariantCulture), "58,960"),
            ("annotators", Annotators.ToString(CultureInfo.InvariantCulture), ""),
            ("ties", Percent(TieShare), "≈ 12 %"),
            ("human label = true preference (non-ties)", Percent(HumanAgreesWithTruth), "65–75 %"),
            ($"pairs trading dimensions (|Δ| > {TradeOffMargin})", Percent(TradeOffShare), "a meaningful share"),
        };
        rows.AddRange(HumanAgreesWithDimension.Select(kv => ($"human label = {kv.Key.ToString().ToLowerInvariant()} winner", Percent(kv.Value), "")));
        return new DataFrame(
            new StringDataFrameColumn("statistic", rows.Select(r => r.Statistic)),
            new StringDataFrameColumn("value", rows.Select(r => r.Value)),
            new StringDataFrameColumn("Pick-a-Pic v2 / target", rows.Select(r => r.Target)));
    }

    /// <summary>Mean oracle scores per generator, as a table.</summary>
    public DataFrame GeneratorFrame() => new(
        new StringDataFrameColumn("model", Generators.Select(g => g.Model)),
        new Int32DataFrameColumn("images", Generators.Select(g => g.Images)),
        new DoubleDataFrameColumn("alignment", Generators.Select(g => g.Alignment)),
        new DoubleDataFrameColumn("aesthetics", Generators.Select(g => g.Aesthetics)),
        new DoubleDataFrameColumn("detail", Generators.Select(g => g.Detail)),
        new DoubleDataFrameColumn("utility", Generators.Select(g => g.Utility)));

    static string Percent(double v) => double.IsNaN(v) ? "–" : v.ToString("P1", CultureInfo.InvariantCulture);

    static void Collect(Dictionary<string, List<(OracleScores, double)>> perModel, string model, OracleScores scores, double utility)
    {
        if (!perModel.TryGetValue(model, out var list)) perModel[model] = list = [];
        list.Add((scores, utility));
    }
}
