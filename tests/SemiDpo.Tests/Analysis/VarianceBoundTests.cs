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
    public void WithoutSpreadInsideTheGroups_TheBoundIsTheMeasuredVariance()
    {
        // Every agreeing pair has f‖Δφ‖² = a, every conflicting one c: ξ takes two values, so Var(ξ) = p_a·p_c·(a + c)²
        // exactly. A wrong p, m or sign in either side breaks the equality.
        Gen.Select(Gen.Double[0.1, 10], Gen.Double[0.1, 10], Gen.Int[1, 30], Gen.Int[1, 30])
            .Sample((a, c, agree, conflict) =>
            {
                var values = Enumerable.Repeat(a, agree).Concat(Enumerable.Repeat(c, conflict)).ToArray();
                var gaps = Enumerable.Repeat(0.5, agree).Concat(Enumerable.Repeat(-0.5, conflict)).ToArray();
                var r = VarianceBound.Measure(values, gaps);
                double pa = (double)agree / (agree + conflict), pc = 1 - pa;
                var expected = pa * pc * (a + c) * (a + c);
                return Math.Abs(r.Bound - expected) <= 1e-9 * expected && Math.Abs(r.Measured - expected) <= 1e-9 * expected && Math.Abs(r.IntraGroup) <= 1e-9 * expected;
            });
    }

    [Fact]
    public void OnALargeSyntheticSample_MeasuredAndBoundMatchThePopulationClosedForm()
    {
        // p_a = 0.3; f‖Δφ‖² ~ U[0, 2·m] per group (m_a = 2, m_c = 1, within-group variance m²/3):
        // Var(ξ) = p_a·m_a²/3 + p_c·m_c²/3 + p_a·p_c·(m_a + m_c)² = 0.4 + 0.2333 + 1.89 = 2.5233; bound 1.89 (ratio 0.749).
        var random = new Random(5);
        const int n = 200_000;
        var gaps = new double[n];
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            var agree = random.NextDouble() < 0.3;
            gaps[i] = agree ? 1 : -1;
            values[i] = random.NextDouble() * 2 * (agree ? 2 : 1);
        }

        var r = VarianceBound.Measure(values, gaps);

        Assert.Equal(1.89, r.Bound, 0.03);
        Assert.Equal(2.5233, r.Measured, 0.03);
        Assert.Equal(0.749, r.Bound / r.Measured, 0.01);
    }

    [Fact]
    public void HandComputedCase_GivesItsBoundToMeasuredRatio()
    {
        // The closed-form case above: bound 6, measured 7.6.
        var r = VarianceBound.Measure([2.0, 4, 1, 1, 4], [0.3, 0.1, -0.2, -0.5, -1]);
        Assert.Equal(6 / 7.6, r.Bound / r.Measured, 12);
    }

    [Fact]
    public void NegativeOrNonFiniteTerms_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => VarianceBound.Measure([-1.0], [1.0]));
        Assert.Throws<ArgumentException>(() => VarianceBound.Measure([double.NaN], [1.0]));
        Assert.Throws<ArgumentException>(() => VarianceBound.Measure([1.0, 2.0], [1.0]));
    }
}
