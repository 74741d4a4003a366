using SemiDpo.Preferences;

namespace SemiDpo.Method;

/// <summary>
/// Pseudo-labels from the implicit classifier (paper Eq. 10): in interval j an unlabeled pair is accepted when
/// |z^(t_j)| ≥ τ_j and z ≠ 0 (the official <c>select_pseudo_labels</c>: a z of exactly 0 — a pair not scored — is never
/// ranked), and its label is sign(z): z &gt; 0 keeps the human winner, z &lt; 0 swaps it. Only the unlabeled set is
/// labelled: clean test pairs never are (the official code leaks them into training; we do not).
/// </summary>
public static class PseudoLabeler
{
    public static PseudoLabels Label(ConfidenceTable unlabeled, IReadOnlyList<IntervalThreshold> thresholds)
    {
        if (thresholds.Count != TimestepIntervals.Count)
            throw new ArgumentException($"{thresholds.Count} thresholds for {TimestepIntervals.Count} intervals.", nameof(thresholds));
        var accepted = new ushort[unlabeled.Pairs];
        var swap = new ushort[unlabeled.Pairs];
        for (var i = 0; i < unlabeled.Pairs; i++)
        for (var j = 0; j < TimestepIntervals.Count; j++)
        {
            var z = unlabeled.Z[i, j];
            if (!ThresholdSchedule.Accepts(z, thresholds[j].Tau)) continue;
            accepted[i] |= (ushort)(1 << j);
            if (z < 0) swap[i] |= (ushort)(1 << j);
        }
        return new PseudoLabels(accepted, swap);
    }
}
