using Microsoft.Data.Analysis;
using SemiDpo.Analysis;
using SemiDpo.Method;
using SemiDpo.Preferences;

namespace SemiDpo.Reproduction;

/// <summary>
/// The paper's tables from a <see cref="ReproductionResult"/>: means over seeds, with a standard deviation column per
/// metric when there is more than one seed. Win rates follow the paper (share of prompts strictly better).
/// </summary>
public sealed class ReproductionTables(ReproductionResult result)
{
    const string Utility = ImageSetScores.UtilityMetric;
    readonly IReadOnlyList<string> metrics = result.Seeds[0].Methods[0].Metrics;
    int Iterations => result.Config.SemiDpo.Iterations;
    string SemiDpo => MethodNames.SemiDpo(Iterations);
    bool ManySeeds => result.Seeds.Count > 1;

    /// <summary>Table 1: mean score per method and metric (oracle dimensions, true utility, each judge).</summary>
    public DataFrame Table1() => MeansOf(result.MethodNames, "method");

    /// <summary>
    /// Table 2: Semi-DPO's win rate against every other method per metric; for the true preference also the reverse
    /// rate and in how many seeds Semi-DPO won more prompts than it lost.
    /// </summary>
    public DataFrame Table2()
    {
        var opponents = result.MethodNames.Where(m => m != SemiDpo).ToList();
        var frame = new DataFrame(new StringDataFrameColumn("Semi-DPO vs.", opponents));
        foreach (var metric in metrics)
            AddStat(frame, metric, opponents.Select(o => result.Seeds.Select(s => WinRate.Of(s.Method(SemiDpo), s.Method(o), metric)).ToList()));
        AddStat(frame, $"{Utility}: loses", opponents.Select(o => result.Seeds.Select(s => WinRate.Of(s.Method(o), s.Method(SemiDpo), Utility)).ToList()));
        frame.Columns.Add(new StringDataFrameColumn($"{Utility}: seeds won", opponents.Select(o => $"{SeedsWon(o)} of {result.Seeds.Count}")));
        return frame;
    }

    /// <summary>
    /// Beyond the paper: every trained method against Diffusion-DPO on all pairs on the true preference — the share of
    /// prompts it wins, the share it loses, and in how many seeds it won more than it lost. The same yardstick for
    /// Semi-DPO, the controls and the related noise-robust methods.
    /// </summary>
    public DataFrame VersusDiffusionDpo()
    {
        var methods = result.MethodNames.Where(m => m != MethodNames.Base && m != MethodNames.DiffusionDpoAll).ToList();
        var frame = new DataFrame(new StringDataFrameColumn($"method vs {MethodNames.DiffusionDpoAll}", methods));
        AddStat(frame, $"{Utility}: wins", methods.Select(m => result.Seeds.Select(s => WinRate.Of(s.Method(m), s.Method(MethodNames.DiffusionDpoAll), Utility)).ToList()));
        AddStat(frame, $"{Utility}: loses", methods.Select(m => result.Seeds.Select(s => WinRate.Of(s.Method(MethodNames.DiffusionDpoAll), s.Method(m), Utility)).ToList()));
        frame.Columns.Add(new StringDataFrameColumn($"{Utility}: seeds won", methods.Select(m => $"{SeedsWon(m, MethodNames.DiffusionDpoAll)} of {result.Seeds.Count}")));
        return frame;
    }

    /// <summary>Table 4: the iterations, with each one's true-preference win rate against the one before (Iter0: against the base model).</summary>
    public DataFrame Table4()
    {
        var names = Enumerable.Range(0, Iterations).Select(i => MethodNames.Iteration(i, Iterations)).ToList();
        var frame = MeansOf(names, "iteration");
        var previous = names.Select((n, i) => i == 0 ? MethodNames.Base : names[i - 1]).ToList();
        AddStat(frame, $"{Utility} win rate vs previous", names.Select((n, i) => result.Seeds.Select(s => WinRate.Of(s.Method(n), s.Method(previous[i]), Utility)).ToList()));
        AddStat(frame, $"{Utility} loss rate vs previous", names.Select((n, i) => result.Seeds.Select(s => WinRate.Of(s.Method(previous[i]), s.Method(n), Utility)).ToList()));
        return frame;
    }

    /// <summary>Table 5: clean subset and Iter0 trained on it per number of judges (the full panel = the first seed's Iter0).</summary>
    public DataFrame Table5()
    {
        var first = result.Seeds[0];
        var all = new JudgeCountRun(string.Join("+", result.Split.Judges), result.Split.Judges.Count,
            result.Split.CleanTrain.Length + result.Split.CleanTest.Length, result.Split.CleanFraction, result.CleanLabelAccuracy,
            first.Method(MethodNames.Iteration(0, Iterations)));
        var rows = result.JudgeCounts.Append(all).ToList();
        var frame = new DataFrame(
            new Int32DataFrameColumn("K", rows.Select(r => r.K)),
            new StringDataFrameColumn("judges", rows.Select(r => r.Judges)),
            new Int32DataFrameColumn("clean pairs", rows.Select(r => r.CleanPairs)),
            new DoubleDataFrameColumn("clean fraction", rows.Select(r => r.CleanFraction)),
            new DoubleDataFrameColumn("label accuracy vs truth", rows.Select(r => r.LabelAccuracy)));
        foreach (var metric in metrics) frame.Columns.Add(new DoubleDataFrameColumn($"Iter0 {metric}", rows.Select(r => r.Iter0.Mean(metric))));
        var baseScores = first.Method(MethodNames.Base);
        frame.Columns.Add(new DoubleDataFrameColumn($"Iter0 {Utility} win rate vs base", rows.Select(r => WinRate.Of(r.Iter0, baseScores, Utility))));
        return frame;
    }

    /// <summary>Table 7: Iter0's implicit accuracy on the clean test split per timestep anchor (from Iter1's thresholds), beside the paper's.</summary>
    public DataFrame Table7()
    {
        var perSeed = result.Seeds.Where(s => s.Iterations.Count > 1 && s.Iterations[1].Thresholds is not null)
            .Select(s => s.Iterations[1].Thresholds!).ToList();
        var anchors = Enumerable.Range(0, TimestepIntervals.Count).ToList();
        var frame = new DataFrame(new Int32DataFrameColumn("t", anchors.Select(TimestepIntervals.Anchor)));
        AddStat(frame, "Iter0 accuracy", anchors.Select(j => perSeed.Select(t => t[j].TestAccuracy).ToList()));
        frame.Columns.Add(new DoubleDataFrameColumn("paper Table 7", PaperNumbers.Table7));
        return frame;
    }

    /// <summary>
    /// The pseudo-labels per iteration and interval, beside the previous model's clean-test accuracy (Table 7): the
    /// percentile that set τ, the accepted unlabeled pairs, the share of accepted pairs whose pseudo-label (and whose
    /// human label) is the world's true preference, and the training mix: clean anchors, pseudo-labelled pairs and the
    /// pseudo-labelled share of the iteration's training pairs (its share of the draws when mixing by count).
    /// </summary>
    public DataFrame PseudoLabels()
    {
        var rows = (from k in Enumerable.Range(1, Iterations - 1)
                    where result.Seeds.All(s => s.Iterations.Count > k && s.Iterations[k].Thresholds is not null)
                    from j in Enumerable.Range(0, TimestepIntervals.Count)
                    select (k, j)).ToList();
        IEnumerable<List<double>> Per(Func<IterationReport, IntervalThreshold, double> value) =>
            rows.Select(r => result.Seeds.Select(s => value(s.Iterations[r.k], s.Iterations[r.k].Thresholds![r.j])).ToList());
        var frame = new DataFrame(
            new StringDataFrameColumn("iteration", rows.Select(r => MethodNames.Iteration(r.k, Iterations))),
            new Int32DataFrameColumn("t", rows.Select(r => TimestepIntervals.Anchor(r.j))));
        AddStat(frame, "previous model's clean-test accuracy", Per((_, t) => t.TestAccuracy));
        AddStat(frame, "percentile", Per((_, t) => t.Percentile));
        AddStat(frame, "accepted pairs", Per((_, t) => t.Accepted));
        AddStat(frame, "pseudo-label precision vs truth", Per((_, t) => t.PseudoLabelPrecision ?? double.NaN));
        AddStat(frame, "human-label precision (same pairs)", Per((_, t) => t.HumanPrecision ?? double.NaN));
        AddStat(frame, "clean anchors", Per((it, _) => it.LabeledPairs));
        AddStat(frame, "pseudo-labelled pairs", Per((it, _) => it.Labels!.PairsAccepted));
        AddStat(frame, "pseudo-labelled share", Per((it, _) => it.PseudoLabelledShare));
        return frame;
    }

    /// <summary>
    /// What the pseudo-labels follow: per pseudo-labelled iteration and true dimension, the share of accepted slots whose
    /// pseudo-label points to the better image, the same for the human labels, and of the swapped slots the share swapped
    /// towards the better image (means over seeds). Not in the paper: it needs the ground truth.
    /// </summary>
    public DataFrame LabelAgreement()
    {
        var rows = Enumerable.Range(0, result.Seeds[0].Agreement.Count)
            .SelectMany(k => result.Seeds[0].Agreement[k].Select((row, d) => (Iteration: MethodNames.Iteration(k + 1, Iterations), k, d, row.Dimension))).ToList();
        var frame = new DataFrame(new StringDataFrameColumn("iteration", rows.Select(r => r.Iteration)), new StringDataFrameColumn("dimension", rows.Select(r => r.Dimension)));
        AddStat(frame, "pseudo-labels point to the better image", rows.Select(r => result.Seeds.Select(s => s.Agreement[r.k][r.d].PseudoLabels).ToList()));
        AddStat(frame, "human labels (same slots)", rows.Select(r => result.Seeds.Select(s => s.Agreement[r.k][r.d].HumanLabels).ToList()));
        AddStat(frame, "swaps towards the better image", rows.Select(r => result.Seeds.Select(s => s.Agreement[r.k][r.d].SwappedTowardsBetter).ToList()));
        AddStat(frame, "accepted slots", rows.Select(r => result.Seeds.Select(s => (double)s.Agreement[r.k][r.d].Slots).ToList()));
        AddStat(frame, "swapped slots", rows.Select(r => result.Seeds.Select(s => (double)s.Agreement[r.k][r.d].Swapped).ToList()));
        return frame;
    }

    /// <summary>The headline: Semi-DPO vs Diffusion-DPO on all pairs, on the true preference.</summary>
    public string Headline()
    {
        var win = result.Seeds.Select(s => WinRate.Of(s.Method(SemiDpo), s.Method(MethodNames.DiffusionDpoAll), Utility)).ToList();
        var lose = result.Seeds.Select(s => WinRate.Of(s.Method(MethodNames.DiffusionDpoAll), s.Method(SemiDpo), Utility)).ToList();
        return $"Semi-DPO vs {MethodNames.DiffusionDpoAll}, true preference: wins {Format(win)} of prompts, loses {Format(lose)} " +
               $"(paper: 69 % on MPS); won {SeedsWon(MethodNames.DiffusionDpoAll)} of {result.Seeds.Count} seed(s).";
    }

    int SeedsWon(string opponent) => SeedsWon(SemiDpo, opponent);

    int SeedsWon(string method, string opponent) => result.Seeds.Count(s =>
        WinRate.Of(s.Method(method), s.Method(opponent), Utility) > WinRate.Of(s.Method(opponent), s.Method(method), Utility));

    DataFrame MeansOf(IReadOnlyList<string> names, string first)
    {
        var frame = new DataFrame(new StringDataFrameColumn(first, names));
        foreach (var metric in metrics) AddStat(frame, metric, names.Select(n => result.Seeds.Select(s => s.Method(n).Mean(metric)).ToList()));
        return frame;
    }

    /// <summary>Adds the mean over seeds, and with several seeds a "… sd" column (sample standard deviation).</summary>
    void AddStat(DataFrame frame, string name, IEnumerable<List<double>> values)
    {
        var rows = values.ToList();
        frame.Columns.Add(new DoubleDataFrameColumn(name, rows.Select(v => v.Count == 0 ? double.NaN : v.Average())));
        if (ManySeeds) frame.Columns.Add(new DoubleDataFrameColumn(name + " sd", rows.Select(StandardDeviation)));
    }

    static double StandardDeviation(List<double> v)
    {
        if (v.Count < 2) return double.NaN;
        var mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1));
    }

    static string Format(List<double> v) =>
        v.Count == 1 ? $"{v[0]:P1}" : $"{v.Average():P1} ± {StandardDeviation(v) * 100:F1} pp";
}
