using CsCheck;
using SemiDpo.Analysis;

namespace SemiDpo.Tests.Analysis;

public class VarianceBoundTests
{
    [Fact]
    public void KnownGroupMeans_GiveTheClosedForm()
    {
        // A: f‖Δφ‖² = 2, 4 (m_a = 3); C: 1, 1, 4 (m_c = 2). p_a = 2/5, p_c = 3/5.
        double[] values = [2, 4, 1, 1, 4];
        double[] gaps = [0.3, 0.1, -0.2, -0.5, -1];

        var r = VarianceBound.Measure(values, gaps);

        Assert.Equal(0.4, r.PAgree, 12);
        Assert.Equal(3, r.MAgree, 12);
        Assert.Equal(2, r.MConflict, 12);
        Assert.Equal(0.4 * 0.6 * 25, r.Bound, 12);
        // ξ = 2, 4, −1, −1, −4: mean 0, variance (4 + 16 + 1 + 1 + 16) / 5 = 7.6
        Assert.Equal(7.6, r.Measured, 12);
        // intra: 0.4·Var(2, 4) + 0.6·Var(1, 1, 4) = 0.4·1 + 0.6·2 = 1.6; 1.6 + 6 = 7.6
        Assert.Equal(1.6, r.IntraGroup, 12);
        Assert.Equal(r.Measured, r.IntraGroup + r.InterGroup, 12);
    }

    [Fact]
    public void NoConflict_GivesAZeroBound_AndTiesAreLeftOut()
    {
        var r = VarianceBound.Measure([1.0, 3.0, 5.0], [1.0, 2.0, 0.0]);
        Assert.Equal(2, r.Pairs);
        Assert.Equal(0, r.Bound);
        Assert.Equal(1, r.Measured, 12);
    }

    [Fact]
    public void TheBound_NeverExceedsTheMeasuredVariance_AndTheDecompositionIsExact()
    {
        Gen.Select(Gen.Double[0, 100].Array[1, 60], Gen.Double[-1, 1].Array[60])
            .Sample((values, gaps) =>
            {
                var r = VarianceBound.Measure(values, gaps[..values.Length]);
                if (r.Pairs == 0) return true;
                var scale = Math.Max(1, r.Measured);
                return r.Bound <= r.Measured + 1e-9 * scale && Math.Abs(r.Measured - (r.IntraGroup + r.InterGroup)) <= 1e-9 * scale;
            });
    }

    [Fact]
    public void NegativeOrNonFiniteTerms_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => VarianceBound.Measure([-1.0], [1.0]));
        Assert.Throws<ArgumentException>(() => VarianceBound.Measure([double.NaN], [1.0]));
        Assert.Throws<ArgumentException>(() => VarianceBound.Measure([1.0, 2.0], [1.0]));
    }
}
