
namespace SemiDpo.Preferences;

/// <summary>
/// One pair as the trainer sees it: which set it comes from, its index there, the timestep intervals it may train at
/// and the intervals where winner and loser are swapped (its pseudo-label says the human got it wrong there).
/// </summary>
public readonly record struct TrainingExample(bool FromUnlabeled, int Index, ushort Intervals, ushort Swap)
{
    /// <summary>Every clean pair: labelled at every interval, never swapped (L_labeled, Eq. 8).</summary>
    public static IEnumerable<TrainingExample> Labeled(int count) => Labeled(Enumerable.Range(0, count));

    /// <summary>The given clean pairs (an iteration's anchors), labelled at every interval.</summary>
    public static IEnumerable<TrainingExample> Labeled(IEnumerable<int> indices) =>
        indices.Select(i => new TrainingExample(false, i, TimestepIntervals.All, 0));

    /// <summary>Every unlabeled pair accepted in at least one interval, with its pseudo-labels (L_unlabeled, Eq. 10).</summary>
    public static IEnumerable<TrainingExample> PseudoLabeled(PseudoLabels labels) =>
        Enumerable.Range(0, labels.Accepted.Length).Where(i => labels.Accepted[i] != 0)
            .Select(i => new TrainingExample(true, i, labels.Accepted[i], labels.Swap[i]));

    /// <summary>Every pair of a set at every interval with its human label (the all-data Diffusion-DPO baseline).</summary>
    public static IEnumerable<TrainingExample> HumanLabeled(int count, bool fromUnlabeled) =>
        Enumerable.Range(0, count).Select(i => new TrainingExample(fromUnlabeled, i, TimestepIntervals.All, 0));
}
