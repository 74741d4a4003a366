using SemiDpo.Preferences;

namespace SemiDpo.Method;

/// <summary>How τ is set per interval.</summary>
public enum ThresholdMode
{
    /// <summary>τ_j = the configured percentile of |z| in every interval.</summary>
    Fixed,
    /// <summary>
    /// The paper's rule with Table 7 (raise τ where the interval is less than 70 % accurate) and the official README's
    /// value: the configured percentile (80) in every interval, raised to <see cref="ThresholdConfig.RaisedPercentile"/> (90) in each interval where the previous model's accuracy
    /// on ALL clean test pairs is below the target (70 %; t &gt; 650 for SD1.5).
    /// </summary>
    Interval,
    /// <summary>
    /// Not the paper's rule: start at the configured percentile and raise it in steps while the accuracy of the clean test
    /// pairs ABOVE τ is below the target (this kit's default before; on the world it never fires).
    /// </summary>
    AcceptedAccuracy,
    /// <summary>The official scripts' hand-set percentiles: 80 ×6, 90 ×4.</summary>
    HandSet,
}

/// <summary>Which |z| values an interval's percentile is taken over.</summary>
public enum ThresholdPopulation
{
    /// <summary>
    /// The official selection (<c>select_pseudo_labels</c> over the whole scored training set): the clean training pairs
    /// and the unlabeled pairs, a pair labelled in an earlier iteration counting as |z| = 0. In Iter2 the 80th percentile
    /// is then a lower bar for the pairs still unlabelled than their own 80th percentile.
    /// </summary>
    AllScored,
    /// <summary>The unlabeled pairs still unlabelled only: each iteration accepts the top share of the pairs it can label.</summary>
    StillUnlabelled,
    /// <summary>
    /// What the official scripts compute: <see cref="AllScored"/>, and the clean anchors of earlier iterations count as
    /// |z| = 0 too — <c>2_pseudo_label.sh</c> passes the previous pseudo_labels.json as past labels, which lists that
    /// iteration's clean anchors (its third of the clean pairs, +1 everywhere), so <c>select_pseudo_labels</c> ranks
    /// them last as well.
    /// </summary>
    Official,
}

/// <summary>Threshold settings (the paper's Stage 2; defaults: 80th percentile, the official README's 90th where the interval is below 70 % accurate).</summary>
/// <param name="Mode">The paper's interval rule (default), fixed, accepted-accuracy or the official hand-set percentiles.</param>
/// <param name="Percentile">Percentile of the unlabeled |z| per interval (the starting one for the rules that raise it).</param>
/// <param name="TargetAccuracy">Interval and accepted-accuracy rules: the clean-test accuracy below which τ is raised.</param>
/// <param name="PercentileStep">Accepted-accuracy rule: how much the percentile rises per step.</param>
/// <param name="MaxPercentile">Accepted-accuracy rule stops raising here.</param>
/// <param name="RaisedPercentile">Interval rule: the percentile of an interval below the target accuracy.</param>
/// <param name="Population">The |z| values the percentile is taken over (every scored pair, clean included; <see cref="ThresholdPopulation.Official"/> as the official scripts, where Iter2 counts the clean pairs as 0).</param>
public sealed record ThresholdConfig(
    ThresholdMode Mode = ThresholdMode.Interval,
    double Percentile = 80,
    double TargetAccuracy = 0.70,
    double PercentileStep = 5,
    double MaxPercentile = 95,
    double RaisedPercentile = 90,
    ThresholdPopulation Population = ThresholdPopulation.AllScored)
{
    public static IReadOnlyList<double> OfficialHandSet { get; } = [80, 80, 80, 80, 80, 80, 90, 90, 90, 90];
}

/// <summary>
/// One interval of the threshold table (the Table 7 analogue plus what the paper does not report).
/// </summary>
/// <param name="Interval">Interval index 0…9.</param>
/// <param name="Anchor">Its anchor timestep (50…950).</param>
/// <param name="TestAccuracy">Implicit-classifier accuracy on all clean test pairs at the anchor (Table 7).</param>
/// <param name="Percentile">Percentile of the unlabeled |z| that gave τ.</param>
/// <param name="Tau">The threshold τ on |z|.</param>
/// <param name="AcceptedTestAccuracy">Accuracy on the clean test pairs with |z| ≥ τ (NaN when none).</param>
/// <param name="TestAccepted">Clean test pairs with |z| ≥ τ.</param>
/// <param name="Accepted">Unlabeled pairs with |z| ≥ τ (they get a pseudo-label for this interval).</param>
/// <param name="Swapped">Of those, how many have z &lt; 0 (pseudo-label flips the human label).</param>
/// <param name="PseudoLabelPrecision">Share of accepted pairs whose pseudo-label is the world's TRUE preference (null without ground truth).</param>
/// <param name="HumanPrecision">Share of the same accepted pairs whose human label is the true preference.</param>
public sealed record IntervalThreshold(
    int Interval, int Anchor, double TestAccuracy, double Percentile, double Tau, double AcceptedTestAccuracy, int TestAccepted,
    int Accepted, int Swapped, double? PseudoLabelPrecision, double? HumanPrecision);

/// <summary>
/// Per-interval thresholds τ_j on |z| (the paper's Stage 2): τ_j is a percentile of the scored pairs' |z^(t_j)|
/// (<see cref="ThresholdPopulation"/>), chosen per <see cref="ThresholdMode"/> from the previous model's accuracy on the
/// clean test split. Test pairs only measure; they are never labelled or trained on.
/// </summary>
public static class ThresholdSchedule
{
    /// <param name="config">Mode, percentiles and population.</param>
    /// <param name="test">z of the clean TEST pairs (human winner first).</param>
    /// <param name="unlabeled">z of the unlabeled (noisy) pairs; a pair labelled in an earlier iteration has z = 0.</param>
    /// <param name="humanIsTrue">Per unlabeled pair, whether its human label is the true preference (world only).</param>
    /// <param name="cleanTrain">z of the clean TRAINING pairs: part of the official population (never labelled here).</param>
    /// <param name="unlabelledBefore">Per unlabeled pair, whether an earlier iteration labelled it (left out of <see cref="ThresholdPopulation.StillUnlabelled"/>).</param>
    public static IReadOnlyList<IntervalThreshold> Fit(ThresholdConfig config, ConfidenceTable test, ConfidenceTable unlabeled, bool[]? humanIsTrue = null,
        ConfidenceTable? cleanTrain = null, bool[]? unlabelledBefore = null)
    {
        if (test.Pairs == 0) throw new ArgumentException("The clean test split is empty: thresholds need it to measure accuracy.", nameof(test));
        if (unlabeled.Pairs == 0) throw new ArgumentException("There are no unlabeled pairs to threshold.", nameof(unlabeled));
        if (humanIsTrue is not null && humanIsTrue.Length != unlabeled.Pairs)
            throw new ArgumentException($"{humanIsTrue.Length} truth flags for {unlabeled.Pairs} unlabeled pairs.", nameof(humanIsTrue));
        if (unlabelledBefore is not null && unlabelledBefore.Length != unlabeled.Pairs)
            throw new ArgumentException($"{unlabelledBefore.Length} earlier-label flags for {unlabeled.Pairs} unlabeled pairs.", nameof(unlabelledBefore));
        var rows = new List<IntervalThreshold>();
        for (var j = 0; j < TimestepIntervals.Count; j++)
        {
            var zTest = test.Interval(j);
            var zUnlabeled = unlabeled.Interval(j);
            var magnitudes = Population(config.Population, zUnlabeled, cleanTrain?.Interval(j), unlabelledBefore);
            var percentile = config.Mode switch
            {
                ThresholdMode.HandSet => ThresholdConfig.OfficialHandSet[j],
                ThresholdMode.Interval when Accuracy(zTest) < config.TargetAccuracy => config.RaisedPercentile,
                _ => config.Percentile,
            };
            var tau = Percentile(magnitudes, percentile);
            while (config.Mode == ThresholdMode.AcceptedAccuracy && AccuracyAbove(zTest, tau).Accuracy < config.TargetAccuracy
                   && percentile + config.PercentileStep <= config.MaxPercentile)
            {
                percentile += config.PercentileStep;
                tau = Percentile(magnitudes, percentile);
            }
            var (acceptedAccuracy, testAccepted) = AccuracyAbove(zTest, tau);
            var accepted = Enumerable.Range(0, zUnlabeled.Length).Where(i => Accepts(zUnlabeled[i], tau)).ToArray();
            double? pseudo = null, human = null;
            if (humanIsTrue is not null && accepted.Length > 0)
            {
                pseudo = accepted.Average(i => (zUnlabeled[i] > 0) == humanIsTrue[i] ? 1.0 : 0.0);
                human = accepted.Average(i => humanIsTrue[i] ? 1.0 : 0.0);
            }
            rows.Add(new IntervalThreshold(j, TimestepIntervals.Anchor(j), Accuracy(zTest), percentile, tau, acceptedAccuracy, testAccepted,
                accepted.Length, accepted.Count(i => zUnlabeled[i] < 0), pseudo, human));
        }
        return rows;
    }

    /// <summary>The ascending |z| values the percentile of one interval is taken over.</summary>
    static float[] Population(ThresholdPopulation population, float[] unlabeled, float[]? cleanTrain, bool[]? unlabelledBefore)
    {
        IEnumerable<float> values = population switch
        {
            ThresholdPopulation.AllScored or ThresholdPopulation.Official => unlabeled.Concat(cleanTrain ?? []),
            ThresholdPopulation.StillUnlabelled => unlabeled.Where((_, i) => unlabelledBefore is null || !unlabelledBefore[i]),
            _ => throw new ArgumentOutOfRangeException(nameof(population), population, null),
        };
        var magnitudes = values.Select(Math.Abs).Order().ToArray();
        if (magnitudes.Length == 0) throw new ArgumentException("Every unlabeled pair was labelled in an earlier iteration: none is left to threshold.");
        return magnitudes;
    }

    /// <summary>
    /// Whether a pair with confidence <paramref name="z"/> passes threshold <paramref name="tau"/>: |z| ≥ τ and z ≠ 0, as the
    /// official <c>select_pseudo_labels</c> (which never ranks a z of exactly 0: a pair that was not scored).
    /// </summary>
    public static bool Accepts(float z, double tau) => z != 0 && Math.Abs(z) >= tau;

    /// <summary>Implicit accuracy: z &gt; 0 right, z = 0 half.</summary>
    public static double Accuracy(IReadOnlyList<float> z) => z.Count == 0 ? double.NaN : z.Average(v => v > 0 ? 1.0 : v == 0 ? 0.5 : 0.0);

    /// <summary>Implicit accuracy of a table, averaged over the timestep intervals (the clean-test accuracy reported after training).</summary>
    public static double MeanAccuracy(ConfidenceTable z) => Enumerable.Range(0, TimestepIntervals.Count).Average(j => Accuracy(z.Interval(j)));

    static (double Accuracy, int Count) AccuracyAbove(float[] z, double tau)
    {
        var above = z.Where(v => Accepts(v, tau)).ToArray();
        return (above.Length == 0 ? double.NaN : Accuracy(above), above.Length);
    }

    /// <summary>Linear-interpolated percentile (numpy's default) of ascending <paramref name="sorted"/>.</summary>
    public static double Percentile(IReadOnlyList<float> sorted, double percentile)
    {
        if (sorted.Count == 0) return double.NaN;
        var position = percentile / 100 * (sorted.Count - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Count - 1);
        return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
    }
}
