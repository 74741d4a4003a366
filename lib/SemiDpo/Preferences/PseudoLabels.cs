namespace SemiDpo.Preferences;

/// <summary>Per unlabeled pair: the intervals where it is accepted, and where its pseudo-label swaps winner and loser.</summary>
public sealed record PseudoLabels(ushort[] Accepted, ushort[] Swap)
{
    /// <summary>Pairs accepted in at least one interval.</summary>
    public int PairsAccepted => Accepted.Count(m => m != 0);

    /// <summary>(pair, interval) slots accepted.</summary>
    public int SlotsAccepted => Accepted.Sum(m => System.Numerics.BitOperations.PopCount(m));

    /// <summary>
    /// The same accepted slots labelled with the TRUE preference (a ceiling: what the slots are worth with perfect
    /// labels): a slot swaps exactly where the human label is wrong.
    /// </summary>
    /// <param name="humanIsTrue">Per pair, whether its human label is the true preference (the world knows it).</param>
    public PseudoLabels WithTrueLabels(bool[] humanIsTrue)
    {
        if (humanIsTrue.Length != Accepted.Length)
            throw new ArgumentException($"{humanIsTrue.Length} truth flags for {Accepted.Length} labelled pairs.", nameof(humanIsTrue));
        return new PseudoLabels(Accepted, Accepted.Select((mask, i) => humanIsTrue[i] ? (ushort)0 : mask).ToArray());
    }

    /// <summary>The same accepted slots with their human labels (no swap): the slots without the classifier's corrections.</summary>
    public PseudoLabels WithHumanLabels() => new(Accepted, new ushort[Accepted.Length]);
}
