namespace SemiDpo.Analysis;

/// <summary>Both sides of the paper's variance bound for one partition of the pairs (one dimension or judge k).</summary>
/// <param name="Pairs">Pairs measured.</param>
/// <param name="PAgree">p_a: share of pairs in A_k (Δr_k &gt; 0 for the label's winner).</param>
/// <param name="PConflict">p_c: share in C_k (Δr_k &lt; 0); pairs with Δr_k = 0 are left out of both.</param>
/// <param name="MAgree">m_a = E[f·‖Δφ‖² | A_k].</param>
/// <param name="MConflict">m_c = E[f·‖Δφ‖² | C_k].</param>
/// <param name="Measured">Var[ξ_t], ξ_t = ⟨−g, v_k⟩ = sign(Δr_k)·f·‖Δφ‖² (population variance).</param>
/// <param name="Bound">p_a·p_c·(m_a + m_c)² (Eq. 7 / 16).</param>
/// <param name="IntraGroup">E[Var(ξ | group)], the part of Var[ξ] the bound leaves out (Eq. 13).</param>
/// <param name="InterGroup">Var(E[ξ | group]) = the bound.</param>
public sealed record VarianceBoundResult(
    int Pairs, double PAgree, double PConflict, double MAgree, double MConflict, double Measured, double Bound, double IntraGroup, double InterGroup);

/// <summary>
/// The paper's §3.2 variance bound, measured. For a pair with gradient g = −f·Δφ (f = (1 − σ(z))·β,
/// Δφ = ∇log p_θ(xʷ) − ∇log p_θ(xˡ)) and a dimension k with reward gap Δr_k, the projection on v_k = sign(Δr_k)·Δφ
/// is ξ_t = ⟨−g, v_k⟩ = sign(Δr_k)·f·‖Δφ‖². With A_k = {Δr_k &gt; 0}, C_k = {Δr_k &lt; 0}, the law of total variance gives
/// Var[ξ_t] = E[Var(ξ | group)] + p_a·p_c·(m_a + m_c)² ≥ p_a·p_c·(m_a + m_c)² (Eq. 7, 13, 16): conflicting dimensions
/// (p_c &gt; 0) inflate the variance of the gradient.
/// </summary>
public static class VarianceBound
{
    /// <param name="fTimesNorm">f·‖Δφ‖² per pair (non-negative).</param>
    /// <param name="rewardGap">Δr_k per pair, oriented so that positive agrees with the label the pair is trained on.</param>
    public static VarianceBoundResult Measure(IReadOnlyList<double> fTimesNorm, IReadOnlyList<double> rewardGap)
    {
        if (fTimesNorm.Count != rewardGap.Count) throw new ArgumentException($"{fTimesNorm.Count} gradient terms for {rewardGap.Count} reward gaps.");
        var agree = new List<double>();
        var conflict = new List<double>();
        for (var i = 0; i < fTimesNorm.Count; i++)
        {
            if (!double.IsFinite(fTimesNorm[i]) || fTimesNorm[i] < 0) throw new ArgumentException($"f·‖Δφ‖² of pair {i} is {fTimesNorm[i]}; it must be finite and ≥ 0.");
            if (rewardGap[i] > 0) agree.Add(fTimesNorm[i]);
            else if (rewardGap[i] < 0) conflict.Add(fTimesNorm[i]);
        }
        var n = agree.Count + conflict.Count;
        if (n == 0) return new VarianceBoundResult(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        var (pa, pc) = ((double)agree.Count / n, (double)conflict.Count / n);
        var ma = agree.Count == 0 ? 0 : agree.Average();
        var mc = conflict.Count == 0 ? 0 : conflict.Average();
        // ξ = +f‖Δφ‖² on A, −f‖Δφ‖² on C.
        var xi = agree.Concat(conflict.Select(v => -v)).ToArray();
        var mean = xi.Average();
        var measured = xi.Average(v => (v - mean) * (v - mean));
        var intra = pa * Variance(agree) + pc * Variance(conflict);
        var bound = pa * pc * (ma + mc) * (ma + mc);
        return new VarianceBoundResult(n, pa, pc, ma, mc, measured, bound, intra, bound);
    }

    static double Variance(List<double> values)
    {
        if (values.Count == 0) return 0;
        var mean = values.Average();
        return values.Average(v => (v - mean) * (v - mean));
    }
}
