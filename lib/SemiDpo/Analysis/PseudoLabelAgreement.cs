using SemiDpo.Method;
using SemiDpo.Preferences;

namespace SemiDpo.Analysis;

/// <summary>
/// One true dimension: over the accepted (pair, interval) slots, the share whose training label points to the image
/// that is better on that dimension — with the pseudo-labels, and with the human labels of the same slots.
/// </summary>
/// <param name="SwappedTowardsBetter">Of the slots the pseudo-label swaps, the share where the swap moves to the image better on this dimension.</param>
public sealed record LabelAgreementRow(string Dimension, double PseudoLabels, double HumanLabels, double SwappedTowardsBetter, int Slots, int Swapped);

/// <summary>
/// What the pseudo-labels follow (world only): per oracle dimension and the true utility, how often a pseudo-label
/// agrees with the truth against the human label of the same pair. It shows which dimension self-training amplifies
/// when the implicit classifier overrules people.
/// </summary>
public static class PseudoLabelAgreement
{
    public static IReadOnlyList<LabelAgreementRow> Of(PseudoLabels labels, PairSet unlabeled)
    {
        var gaps = unlabeled.TruthGaps ?? throw new ArgumentException("The pairs carry no ground truth (world pairs do).", nameof(unlabeled));
        if (labels.Accepted.Length != unlabeled.Count) throw new ArgumentException($"{labels.Accepted.Length} labels for {unlabeled.Count} pairs.");
        var rows = new List<LabelAgreementRow>();
        for (var d = 0; d < PairSet.TruthDimensions.Count; d++)
        {
            int slots = 0, pseudo = 0, human = 0, swapped = 0, swappedBetter = 0;
            for (var i = 0; i < unlabeled.Count; i++)
            for (var j = 0; j < TimestepIntervals.Count; j++)
            {
                if ((labels.Accepted[i] & (1 << j)) == 0 || gaps[i][d] == 0) continue;
                var swap = (labels.Swap[i] & (1 << j)) != 0;
                var humanRight = gaps[i][d] > 0;
                slots++;
                if (humanRight) human++;
                if (humanRight != swap) pseudo++;
                if (!swap) continue;
                swapped++;
                if (!humanRight) swappedBetter++;
            }
            rows.Add(new LabelAgreementRow(PairSet.TruthDimensions[d], Share(pseudo, slots), Share(human, slots), Share(swappedBetter, swapped), slots, swapped));
        }
        return rows;
    }

    static double Share(int part, int whole) => whole == 0 ? double.NaN : (double)part / whole;
}
