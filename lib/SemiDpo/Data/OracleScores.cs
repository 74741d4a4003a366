namespace SemiDpo.Data;

/// <summary>The world's ground truth for one image: a score in 0…1 for each dimension annotators compress into one bit.</summary>
public sealed record OracleScores(double Alignment, double Aesthetics, double Detail)
{
    public double this[Dimension d] => d switch
    {
        Dimension.Alignment => Alignment,
        Dimension.Aesthetics => Aesthetics,
        _ => Detail,
    };

    /// <summary>Population utility: the weighted mean of the three dimensions (the TRUE preference compares these).</summary>
    public double Utility(DimensionWeights weights) =>
        (weights.Alignment * Alignment + weights.Aesthetics * Aesthetics + weights.Detail * Detail) / weights.Sum;
}

/// <summary>The three dimensions of a preference (the paper's prompt alignment, aesthetics and detail).</summary>
public enum Dimension { Alignment, Aesthetics, Detail }

/// <summary>How much each dimension counts in the population utility (equal by default).</summary>
public sealed record DimensionWeights(double Alignment = 1, double Aesthetics = 1, double Detail = 1)
{
    public double Sum => Alignment + Aesthetics + Detail;
}
