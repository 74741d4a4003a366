using Microsoft.Data.Analysis;
using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Method;
using SemiDpo.Preferences;
using SemiDpo.Rewards;

namespace SemiDpo.Analysis;

/// <summary>One row of the analysis: a subset of pairs, a timestep, a dimension of the truth, and both sides of the bound.</summary>
public sealed record VarianceRow(string Subset, int Timestep, string Dimension, VarianceBoundResult Result);

/// <summary>Settings: pairs per subset and the timesteps measured.</summary>
public sealed record VarianceConfig(int PairsPerSubset = 200, int[]? Timesteps = null, int Seed = 7)
{
    public int[] Anchors => Timesteps ?? [50, 250, 450, 650, 850];
}

/// <summary>
/// Measures the variance bound (see <see cref="VarianceBound"/>) on real per-pair gradients of a trained policy against
/// its reference: the clean subset, the noisy subset with its human labels, and — given pseudo-labels — the noisy
/// pairs accepted at each interval with their human labels and with their pseudo-labels, for every oracle dimension
/// (alignment, aesthetics, detail, true utility), every judge given, and several timesteps.
/// </summary>
public sealed class VarianceAnalysis(VarianceConfig config)
{
    public List<VarianceRow> Run(IDiffusionModel policy, IDiffusionModel reference, PairSet clean, PairSet noisy,
        ConfidenceTable? noisyConfidence = null, IReadOnlyList<IntervalThreshold>? thresholds = null,
        double beta = DiffusionDpoLoss.OfficialBeta, IProgress<string>? progress = null, IReadOnlyList<IRewardModel>? judges = null)
    {
        if (clean.TruthGaps is null || noisy.TruthGaps is null) throw new ArgumentException("The variance analysis needs the world's ground truth (oracle gaps).");
        var rows = new List<VarianceRow>();
        var cleanPick = Pick(clean.Count, config.Seed);
        var noisyPick = Pick(noisy.Count, config.Seed + 1);
        IReadOnlyList<string> dimensions = [.. PairSet.TruthDimensions, .. (judges ?? []).Select(j => j.Name)];
        var cleanGaps = Gaps(clean, cleanPick, judges);
        var noisyGaps = Gaps(noisy, noisyPick, judges);

        void Measure(string subset, int t, PairSet pairs, Dictionary<int, double[]> gaps, List<int> indices, List<bool> swap)
        {
            var terms = PairGradientTerms.Compute(policy, reference, pairs, indices, swap, t, beta, config.Seed);
            for (var d = 0; d < dimensions.Count; d++)
            {
                var oriented = indices.Select((i, k) => (swap[k] ? -1 : 1) * gaps[i][d]).ToList();
                rows.Add(new VarianceRow(subset, t, dimensions[d], VarianceBound.Measure(terms, oriented)));
            }
        }

        foreach (var t in config.Anchors)
        {
            progress?.Report($"t = {t}");
            Measure("clean, human labels", t, clean, cleanGaps, cleanPick, cleanPick.Select(_ => false).ToList());
            Measure("noisy, human labels", t, noisy, noisyGaps, noisyPick, noisyPick.Select(_ => false).ToList());
            if (noisyConfidence is null || thresholds is null) continue;
            var interval = TimestepIntervals.Of(t);
            var accepted = noisyPick.Where(i => Math.Abs(noisyConfidence.Z[i, interval]) > thresholds[interval].Tau).ToList();
            if (accepted.Count < 2) continue;
            Measure("noisy accepted, human labels", t, noisy, noisyGaps, accepted, accepted.Select(_ => false).ToList());
            Measure("noisy accepted, pseudo-labels", t, noisy, noisyGaps, accepted, accepted.Select(i => noisyConfidence.Z[i, interval] < 0).ToList());
        }
        return rows;
    }

    /// <summary>Per picked pair: the oracle gaps, then each judge's score gap, winner − loser of the human label.</summary>
    static Dictionary<int, double[]> Gaps(PairSet pairs, List<int> picked, IReadOnlyList<IRewardModel>? judges)
    {
        var judgeGaps = new List<float[]>();
        if (judges is { Count: > 0 })
        {
            var prompts = picked.Select(i => pairs.Captions[i]).ToList();
            var (winners, losers) = (pairs.Images(picked, winners: true), pairs.Images(picked, winners: false));
            foreach (var judge in judges)
            {
                var (w, l) = (judge.Score(prompts, winners), judge.Score(prompts, losers));
                judgeGaps.Add(w.Zip(l, (a, b) => a - b).ToArray());
            }
        }
        return picked.Select((i, k) => (i, pairs.TruthGaps![i].Concat(judgeGaps.Select(g => (double)g[k])).ToArray()))
            .ToDictionary(p => p.i, p => p.Item2);
    }

    List<int> Pick(int count, int seed)
    {
        var all = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(all);
        return all[..Math.Min(config.PairsPerSubset, count)].Order().ToList();
    }

    public static DataFrame ToFrame(IReadOnlyList<VarianceRow> rows) => new(
        new StringDataFrameColumn("subset", rows.Select(r => r.Subset)),
        new Int32DataFrameColumn("t", rows.Select(r => r.Timestep)),
        new StringDataFrameColumn("dimension", rows.Select(r => r.Dimension)),
        new Int32DataFrameColumn("pairs", rows.Select(r => r.Result.Pairs)),
        new DoubleDataFrameColumn("p_c", rows.Select(r => r.Result.PConflict)),
        new DoubleDataFrameColumn("m_a", rows.Select(r => r.Result.MAgree)),
        new DoubleDataFrameColumn("m_c", rows.Select(r => r.Result.MConflict)),
        new DoubleDataFrameColumn("Var[xi] measured", rows.Select(r => r.Result.Measured)),
        new DoubleDataFrameColumn("bound p_a p_c (m_a+m_c)^2", rows.Select(r => r.Result.Bound)),
        new DoubleDataFrameColumn("bound / measured", rows.Select(r => r.Result.Bound / r.Result.Measured)));
}
