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
            result.Split.CleanTrain.Length + result.Split.CleanTest.Length, result.Config.Study.CleanShare(result.Split), result.CleanLabelAccuracy,
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
        AddStat(frame, "pseudo-label = human label", Per((_, t) => t.Accepted == 0 ? double.NaN : 1 - (double)t.Swapped / t.Accepted));
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

    /// <summary>
    /// The comparisons that decide the claim, those whose two arms ran: Semi-DPO against the equal-budget clean-only
    /// control and the all-pairs arms, the ceilings against clean only, and Semi-DPO against the true-label ceiling.
    /// </summary>
    public IReadOnlyList<(string A, string B)> Comparisons =>
        new (string A, string B)[]
        {
            (SemiDpo, MethodNames.CleanOnlySameBudget),
            (SemiDpo, MethodNames.DiffusionDpoAllSameSchedule),
            (SemiDpo, MethodNames.DiffusionDpoAll),
            (MethodNames.CeilingTrueLabels, MethodNames.CleanOnlySameBudget),
            (MethodNames.CeilingHumanLabels, MethodNames.CleanOnlySameBudget),
            (SemiDpo, MethodNames.CeilingTrueLabels),
        }.Where(c => result.MethodNames.Contains(c.A) && result.MethodNames.Contains(c.B)).ToList();

    /// <summary>A − B in true utility over every seed: the mean and a 95 % paired bootstrap interval (seeds, then prompts).</summary>
    public PairedDifference Difference(string a, string b, Func<string, bool>? prompts = null) =>
        PairedBootstrap.Of(result.Seeds.Select(s => (Only(s.Method(a), prompts), Only(s.Method(b), prompts))).ToList(), Utility);

    /// <summary>
    /// The claim, measured: per comparison the mean difference in true utility over seeds and prompts with its 95 %
    /// paired bootstrap interval, in how many seeds A's mean was higher, and in how many seeds its own interval (over
    /// prompts) lies above or below 0.
    /// </summary>
    public DataFrame Claim()
    {
        var rows = Comparisons.Select(c => (c.A, c.B, All: Difference(c.A, c.B),
            PerSeed: result.Seeds.Select(s => PairedBootstrap.Of(s.Method(c.A), s.Method(c.B), Utility)).ToList())).ToList();
        return new DataFrame(
            new StringDataFrameColumn("A", rows.Select(r => r.A)),
            new StringDataFrameColumn("B", rows.Select(r => r.B)),
            new DoubleDataFrameColumn($"{Utility}: A − B", rows.Select(r => r.All.Mean)),
            new DoubleDataFrameColumn("95 % CI low", rows.Select(r => r.All.Lower)),
            new DoubleDataFrameColumn("95 % CI high", rows.Select(r => r.All.Upper)),
            new StringDataFrameColumn("seeds A higher", rows.Select(r => $"{r.PerSeed.Count(d => d.Mean > 0)} of {rows[0].PerSeed.Count}")),
            new Int32DataFrameColumn("seeds CI above 0", rows.Select(r => r.PerSeed.Count(d => d.Sign > 0))),
            new Int32DataFrameColumn("seeds CI below 0", rows.Select(r => r.PerSeed.Count(d => d.Sign < 0))));
    }

    /// <summary>The claim's comparisons per seed: A − B in true utility with its 95 % paired bootstrap interval over prompts.</summary>
    public DataFrame ClaimPerSeed()
    {
        var rows = (from c in Comparisons from s in result.Seeds select (c.A, c.B, s.Seed, D: PairedBootstrap.Of(s.Method(c.A), s.Method(c.B), Utility))).ToList();
        return new DataFrame(
            new StringDataFrameColumn("A", rows.Select(r => r.A)),
            new StringDataFrameColumn("B", rows.Select(r => r.B)),
            new Int32DataFrameColumn("seed", rows.Select(r => r.Seed)),
            new DoubleDataFrameColumn($"{Utility}: A − B", rows.Select(r => r.D.Mean)),
            new DoubleDataFrameColumn("95 % CI low", rows.Select(r => r.D.Lower)),
            new DoubleDataFrameColumn("95 % CI high", rows.Select(r => r.D.Upper)));
    }

    /// <summary>
    /// What the claim's numbers say, in the order the ceilings decide it: if the true-label ceiling is not above clean
    /// only, the world cannot reward the extra data; if it is but Semi-DPO is not, the pseudo-labels are the weak link;
    /// if Semi-DPO is above clean only, the method works here, and its gap to the ceiling is measured.
    /// </summary>
    public string Reading()
    {
        var names = result.MethodNames;
        if (!names.Contains(MethodNames.CleanOnlySameBudget) || Iterations < 2) return "";
        var semi = Difference(SemiDpo, MethodNames.CleanOnlySameBudget);
        var line = $"Semi-DPO − clean only: {Format(semi)}.";
        if (!names.Contains(MethodNames.CeilingTrueLabels)) return line;
        var ceiling = Difference(MethodNames.CeilingTrueLabels, MethodNames.CleanOnlySameBudget);
        line = $"True-label ceiling − clean only: {Format(ceiling)}; {line} ";
        if (ceiling.Sign <= 0)
            return line + "Reading: the accepted slots with their true labels do not beat clean only, so this world does not reward the extra data: " +
                   "it cannot test the method until it does.";
        if (semi.Sign <= 0)
            return line + "Reading: the world rewards the extra data (the true-label ceiling is above clean only) but Semi-DPO does not get it: the pseudo-labels are the weak link.";
        var gap = Difference(MethodNames.CeilingTrueLabels, SemiDpo);
        return line + $"Reading: Semi-DPO is above clean only; the true-label ceiling is {Format(gap)} above Semi-DPO.";
    }

    /// <summary>
    /// The data regime the run had, as the paper's ratios: passes over the training pairs per iteration, unlabeled pairs
    /// scored per clean anchor, the pseudo-labelled share of the draws, and the later iterations' length and learning
    /// rate against Iter0's (means over seeds).
    /// </summary>
    public IReadOnlyList<string> Regime()
    {
        var config = result.Config.SemiDpo;
        var clean = result.Split.CleanTrain.Length;
        var iter0Draws = config.Iter0.Steps * config.Iter0.BatchSize;
        var lines = new List<string>
        {
            $"Iter0: {config.Iter0.Steps} steps × {config.Iter0.BatchSize} pairs = {iter0Draws:N0} draws over {clean:N0} clean training pairs = {(double)iter0Draws / clean:F1} passes (paper: 1,600 × 512 over ≈ 173k ≈ 4.7).",
        };
        if (config.Iterations < 2) return lines;
        var laterDraws = config.Later.Steps * config.Later.BatchSize;
        lines.Add($"Iter1…: {config.Later.Steps} steps ({(double)config.Later.Steps / config.Iter0.Steps:G3}× Iter0's) at learning rate {config.Later.PeakLearningRate:G3} " +
                  $"({config.Later.PeakLearningRate / config.Iter0.PeakLearningRate:G3}× Iter0's; paper: 2.5× as long at 0.1×); " +
                  $"threshold percentile over {Population(config.Thresholds.Population)}.");
        for (var k = 1; k < config.Iterations; k++)
        {
            var reports = result.Seeds.Where(s => s.Iterations.Count > k).Select(s => s.Iterations[k]).ToList();
            if (reports.Count == 0 || reports.Any(r => r.Labels is null)) continue;
            var anchors = reports.Average(r => r.LabeledPairs);
            var pseudo = reports.Average(r => r.Labels!.PairsAccepted);
            var scored = reports.Average(r => r.Labels!.Accepted.Length);
            lines.Add($"{MethodNames.Iteration(k, config.Iterations)}: {anchors:N0} clean anchors + {pseudo:N0} pseudo-labelled pairs; {laterDraws:N0} draws = " +
                      $"{laterDraws / (anchors + pseudo):F1} passes; pseudo-labelled share of the draws {reports.Average(r => r.PseudoLabelledShare):P0}; " +
                      $"unlabeled pairs scored per clean anchor {scored / anchors:F1} (per clean training pair {scored / clean:F1}; paper ≈ 3.9).");
        }
        return lines;
    }

    static string Population(ThresholdPopulation population) => population switch
    {
        ThresholdPopulation.AllScored => "the clean training and unlabeled pairs, pairs labelled earlier as 0",
        ThresholdPopulation.Official => "the clean training and unlabeled pairs, pairs labelled earlier and earlier clean anchors as 0 (the official scripts')",
        _ => "the unlabeled pairs not labelled yet",
    };

    /// <summary>
    /// The biased slice (<see cref="StudyConfig.Bias"/>): per side of the slice, the arms' mean true utility and the
    /// claim's comparisons with their paired intervals, on that side's evaluation prompts.
    /// </summary>
    public DataFrame Slices()
    {
        var bias = result.Config.Study.Bias ?? throw new InvalidOperationException("This run has no biased slice.");
        var sides = new (string Name, Func<string, bool> Has)[] { (bias.SliceName, bias.InSlice), (bias.RestName, p => !bias.InSlice(p)) };
        var rows = (from side in sides from c in Comparisons select (Side: side.Name, c.A, c.B, D: Difference(c.A, c.B, side.Has),
            Prompts: result.Seeds[0].Methods[0].Prompts.Count(side.Has), Clean: CleanPairsIn(side.Has))).ToList();
        return new DataFrame(
            new StringDataFrameColumn("prompts", rows.Select(r => r.Side)),
            new Int32DataFrameColumn("evaluation prompts", rows.Select(r => r.Prompts)),
            new Int32DataFrameColumn("clean training pairs", rows.Select(r => r.Clean)),
            new StringDataFrameColumn("A", rows.Select(r => r.A)),
            new StringDataFrameColumn("B", rows.Select(r => r.B)),
            new DoubleDataFrameColumn($"{Utility}: A − B", rows.Select(r => r.D.Mean)),
            new DoubleDataFrameColumn("95 % CI low", rows.Select(r => r.D.Lower)),
            new DoubleDataFrameColumn("95 % CI high", rows.Select(r => r.D.Upper)));
    }

    int CleanPairsIn(Func<string, bool> side) => result.CleanCaptions.Count(side);

    static ImageSetScores Only(ImageSetScores scores, Func<string, bool>? prompts) => prompts is null ? scores : scores.Where(prompts);

    static string Format(PairedDifference d) => $"{d.Mean:+0.0000;−0.0000} [{d.Lower:+0.0000;−0.0000}, {d.Upper:+0.0000;−0.0000}]";

    /// <summary>The headline: Semi-DPO against the equal-budget clean-only control, the comparison that isolates the unlabeled term.</summary>
    public string Headline()
    {
        if (!result.MethodNames.Contains(MethodNames.CleanOnlySameBudget) || Iterations < 2)
            return $"{SemiDpo}: mean true utility {result.Seeds.Average(s => s.Method(SemiDpo).Utility):F4} over {result.Seeds.Count} seed(s) (no clean-only control ran).";
        var win = result.Seeds.Select(s => WinRate.Of(s.Method(SemiDpo), s.Method(MethodNames.CleanOnlySameBudget), Utility)).ToList();
        var lose = result.Seeds.Select(s => WinRate.Of(s.Method(MethodNames.CleanOnlySameBudget), s.Method(SemiDpo), Utility)).ToList();
        return $"Semi-DPO vs {MethodNames.CleanOnlySameBudget}, true utility: {Format(Difference(SemiDpo, MethodNames.CleanOnlySameBudget))} " +
               $"(mean difference, 95 % paired bootstrap interval); wins {Format(win)} of prompts, loses {Format(lose)}; " +
               $"higher in {result.Seeds.Count(s => s.Method(SemiDpo).Utility > s.Method(MethodNames.CleanOnlySameBudget).Utility)} of {result.Seeds.Count} seed(s).";
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
