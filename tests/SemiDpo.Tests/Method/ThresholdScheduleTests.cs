using SemiDpo.Method;
using SemiDpo.Preferences;

namespace SemiDpo.Tests.Method;

public class ThresholdScheduleTests
{
    /// <summary>z of n pairs, the same column at every anchor.</summary>
    static ConfidenceTable Table(IReadOnlyList<float> z)
    {
        var table = new float[z.Count, TimestepIntervals.Count];
        for (var i = 0; i < z.Count; i++)
        for (var j = 0; j < TimestepIntervals.Count; j++)
            table[i, j] = z[i];
        return new ConfidenceTable(table);
    }

    [Fact]
    public void Percentile_MatchesNumpysLinearInterpolation()
    {
        float[] sorted = [1, 2, 3, 4, 10];
        Assert.Equal(5.2, ThresholdSchedule.Percentile(sorted, 80), 6);   // numpy.percentile([1,2,3,4,10], 80) = 5.2
        Assert.Equal(3, ThresholdSchedule.Percentile(sorted, 50), 6);
        Assert.Equal(10, ThresholdSchedule.Percentile(sorted, 100), 6);
    }

    [Fact]
    public void Fixed_SetsTauAtThePercentileOfUnlabeledMagnitudes_AndCountsAcceptedAndSwapped()
    {
        var unlabeled = Table(Enumerable.Range(1, 10).Select(i => i % 2 == 0 ? (float)i : -i).ToArray()); // |z| = 1…10
        var test = Table([1f, 2f, -3f, 4f]);

        var rows = ThresholdSchedule.Fit(new ThresholdConfig(ThresholdMode.Fixed, Percentile: 80), test, unlabeled);

        Assert.All(rows, r => Assert.Equal(8.2, r.Tau, 6));
        Assert.All(rows, r => Assert.Equal(2, r.Accepted));       // |z| = 9 and 10
        Assert.All(rows, r => Assert.Equal(1, r.Swapped));        // z = −9
        Assert.All(rows, r => Assert.Equal(0.75, r.TestAccuracy));
    }

    [Fact]
    public void AcceptedAccuracy_RaisesThePercentileUntilTheAcceptedTestPairsReachTheTarget()
    {
        // Test pairs: small |z| are wrong half the time, large |z| are always right.
        var test = Table([0.5f, -0.5f, 1f, -1f, 2f, -2f, 7f, 8f, 9f, 10f]);
        var unlabeled = Table(Enumerable.Range(1, 100).Select(i => i / 10f).ToArray()); // |z| = 0.1…10

        var rows = ThresholdSchedule.Fit(new ThresholdConfig(ThresholdMode.AcceptedAccuracy, Percentile: 10, TargetAccuracy: 0.99, PercentileStep: 10, MaxPercentile: 90), test, unlabeled);

        // At the 10th percentile τ ≈ 1.09: accepted test pairs 2, −2, 7…10 → 5/6 < 0.99; at the 20th τ ≈ 2.08 → 4/4.
        Assert.All(rows, r => Assert.Equal(20, r.Percentile));
        Assert.All(rows, r => Assert.Equal(1.0, r.AcceptedTestAccuracy));
    }

    [Fact]
    public void Interval_RaisesToThe90thPercentileExactlyWhereTheIntervalsTestAccuracyIsBelow70Percent()
    {
        // Clean test pairs: 4 of 5 right (80 %) at anchors 50…550, 3 of 5 (60 %) at 650…950; every pair's |z| is large,
        // so the accuracy ABOVE τ would not tell the two groups apart.
        var test = new float[5, TimestepIntervals.Count];
        for (var j = 0; j < TimestepIntervals.Count; j++)
        for (var i = 0; i < 5; i++)
            test[i, j] = i < (j < 6 ? 4 : 3) ? 20f : -20f;
        var unlabeled = Table(Enumerable.Range(1, 11).Select(i => (float)i).ToArray());

        var rows = ThresholdSchedule.Fit(new ThresholdConfig(), new ConfidenceTable(test), unlabeled);

        Assert.Equal(ThresholdMode.Interval, new ThresholdConfig().Mode);
        Assert.Equal([80, 80, 80, 80, 80, 80, 90, 90, 90, 90], rows.Select(r => r.Percentile).ToArray());
        Assert.Equal(9, rows[0].Tau, 6);
        Assert.Equal(10, rows[9].Tau, 6);
    }

    [Fact]
    public void HandSet_UsesTheOfficialPercentiles()
    {
        var rows = ThresholdSchedule.Fit(new ThresholdConfig(ThresholdMode.HandSet), Table([1f, -1f]), Table(Enumerable.Range(1, 11).Select(i => (float)i).ToArray()));
        Assert.Equal(ThresholdConfig.OfficialHandSet, rows.Select(r => r.Percentile).ToArray());
        Assert.Equal(9, rows[0].Tau, 6);   // 80th percentile of 1…11
        Assert.Equal(10, rows[9].Tau, 6);  // 90th
    }

    [Fact]
    public void AllScored_TakesThePercentileOverCleanAndUnlabeled_EarlierLabelsAsZeros_StillUnlabelledOverTheRestOnly()
    {
        // Unlabeled |z| = 1…10, the two largest labelled in an earlier iteration (scored as 0); clean training |z| = 11, 12.
        var unlabeled = Table([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 0f, 0f]);
        var before = new[] { false, false, false, false, false, false, false, false, true, true };
        var clean = Table([11f, -12f]);

        var official = ThresholdSchedule.Fit(new ThresholdConfig(ThresholdMode.Fixed, Percentile: 80), Table([1f]), unlabeled, cleanTrain: clean, unlabelledBefore: before);
        var rest = ThresholdSchedule.Fit(new ThresholdConfig(ThresholdMode.Fixed, Percentile: 80, Population: ThresholdPopulation.StillUnlabelled), Table([1f]), unlabeled,
            cleanTrain: clean, unlabelledBefore: before);

        // numpy.percentile([0,0,1,…,8,11,12], 80) = 7.8; numpy.percentile([1,…,8], 80) = 6.6.
        Assert.Equal(7.8, official[0].Tau, 6);
        Assert.Equal(1, official[0].Accepted);   // |z| = 8: the clean pairs hold most of the top fifth
        Assert.Equal(6.6, rest[0].Tau, 6);
        Assert.Equal(2, rest[0].Accepted);       // |z| = 7 and 8: the top fifth of the pairs still unlabelled
    }

    [Fact]
    public void StillUnlabelled_WithEveryPairLabelledBefore_IsRefusedInOneLine()
    {
        var e = Assert.Throws<ArgumentException>(() => ThresholdSchedule.Fit(new ThresholdConfig(Population: ThresholdPopulation.StillUnlabelled),
            Table([1f]), Table([0f, 0f]), unlabelledBefore: [true, true]));
        Assert.Contains("none is left", e.Message);
    }

    [Fact]
    public void CeilingLabels_KeepTheAcceptedSlots_TrueLabelsSwapWhereTheHumanIsWrong_HumanLabelsNeverSwap()
    {
        var labels = new PseudoLabels([0b101, 0, 0b010], [0b100, 0, 0b010]);

        var truth = labels.WithTrueLabels([false, false, true]);
        var human = labels.WithHumanLabels();

        Assert.Equal(labels.Accepted, truth.Accepted);
        Assert.Equal(new ushort[] { 0b101, 0, 0 }, truth.Swap);
        Assert.Equal(labels.Accepted, human.Accepted);
        Assert.All(human.Swap, m => Assert.Equal(0, m));
        Assert.Throws<ArgumentException>(() => labels.WithTrueLabels([true]));
    }

    [Fact]
    public void Precision_ComparesPseudoLabelsAndHumanLabelsWithTheTruth()
    {
        // Accepted: z = 5 (human right → keep → right), −6 (human wrong → swap → right), 7 (human wrong → keep → wrong).
        var unlabeled = Table([0.1f, 5f, -6f, 7f]);
        var humanIsTrue = new[] { true, true, false, false };

        var rows = ThresholdSchedule.Fit(new ThresholdConfig(ThresholdMode.Fixed, Percentile: 25), Table([1f]), unlabeled, humanIsTrue);

        Assert.Equal(3, rows[0].Accepted);
        Assert.Equal(2.0 / 3, rows[0].PseudoLabelPrecision!.Value, 6);
        Assert.Equal(1.0 / 3, rows[0].HumanPrecision!.Value, 6);
    }

    [Fact]
    public void PseudoLabeler_AcceptsAboveTauAndSwapsNegativeLogits_PerInterval()
    {
        var z = new float[2, TimestepIntervals.Count];
        z[0, 0] = 3; z[0, 9] = -4; z[1, 5] = 1;
        var thresholds = Enumerable.Range(0, TimestepIntervals.Count)
            .Select(j => new IntervalThreshold(j, TimestepIntervals.Anchor(j), 0, 80, 2, 0, 0, 0, 0, null, null)).ToList();

        var labels = PseudoLabeler.Label(new ConfidenceTable(z), thresholds);

        Assert.Equal((ushort)((1 << 0) | (1 << 9)), labels.Accepted[0]);
        Assert.Equal((ushort)(1 << 9), labels.Swap[0]);
        Assert.Equal(0, labels.Accepted[1]);
        Assert.Equal(1, labels.PairsAccepted);
        Assert.Equal(2, labels.SlotsAccepted);
    }

    [Fact]
    public void PseudoLabeler_AcceptsZEqualToTau_ButNeverAZeroZ_AsTheOfficialSelection()
    {
        var z = new float[3, TimestepIntervals.Count];
        z[0, 0] = 2; z[1, 0] = -2; z[2, 0] = 0;
        IReadOnlyList<IntervalThreshold> Thresholds(double tau) => Enumerable.Range(0, TimestepIntervals.Count)
            .Select(j => new IntervalThreshold(j, TimestepIntervals.Anchor(j), 0, 80, tau, 0, 0, 0, 0, null, null)).ToList();

        var atTau = PseudoLabeler.Label(new ConfidenceTable(z), Thresholds(2));
        var atZero = PseudoLabeler.Label(new ConfidenceTable(z), Thresholds(0));

        Assert.Equal([1, 1, 0], atTau.Accepted.Select(a => a & 1));
        Assert.Equal(1, atTau.Swap[1] & 1);
        Assert.Equal(0, atZero.Accepted[2]);
    }

    [Fact]
    public void Fit_PercentileOnADataPoint_AcceptsThatPair()
    {
        // Five |z| values: the 75th percentile (numpy, linear) is exactly the fourth, 4; |z| ≥ 4 accepts two pairs.
        var rows = ThresholdSchedule.Fit(new ThresholdConfig(ThresholdMode.Fixed, Percentile: 75), Table([1f]), Table([1f, -2f, 3f, -4f, 5f]));

        Assert.Equal(4, rows[0].Tau, 6);
        Assert.Equal(2, rows[0].Accepted);
        Assert.Equal(1, rows[0].Swapped);
    }

    [Fact]
    public void Draw_StaysInsideTheAllowedIntervals()
    {
        var rng = new Random(1);
        ushort mask = (1 << 2) | (1 << 7);
        for (var i = 0; i < 500; i++)
        {
            var t = TimestepIntervals.Draw(mask, rng, out var interval);
            Assert.Contains(interval, new[] { 2, 7 });
            Assert.Equal(interval, TimestepIntervals.Of(t));
        }
    }
}
