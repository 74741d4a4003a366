namespace SemiDpo.Preferences;

/// <summary>Per unlabeled pair: the intervals where it is accepted, and where its pseudo-label swaps winner and loser.</summary>
public sealed record PseudoLabels(ushort[] Accepted, ushort[] Swap)
{
    /// <summary>Pairs accepted in at least one interval.</summary>
    public int PairsAccepted => Accepted.Count(m => m != 0);

    /// <summary>(pair, interval) slots accepted.</summary>
    public int SlotsAccepted => Accepted.Sum(m => System.Numerics.BitOperations.PopCount(m));
}
