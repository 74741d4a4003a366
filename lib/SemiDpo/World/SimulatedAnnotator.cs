using SemiDpo.Data;

namespace SemiDpo.World;

/// <summary>
/// A person labelling pairs. They weigh the three dimensions with a bias toward their favourite one, choose by a
/// Bradley-Terry draw on their own utility difference, and call a tie when the two images look equally good to them.
/// Their single bit compresses three dimensions: the paper's noise mechanism.
/// </summary>
public sealed record SimulatedAnnotator(long UserId, Dimension Favourite, double FavouriteWeight, double Temperature, double TieMargin)
{
    /// <summary>This annotator's utility of an image.</summary>
    public double Utility(OracleScores s)
    {
        var other = (1 - FavouriteWeight) / 2;
        return Enum.GetValues<Dimension>().Sum(d => (d == Favourite ? FavouriteWeight : other) * s[d]);
    }

    /// <summary>(label_0, label_1): (1, 0), (0, 1) or the tie (0.5, 0.5).</summary>
    public (double Label0, double Label1) Judge(OracleScores image0, OracleScores image1, Random rng)
    {
        var margin = Utility(image0) - Utility(image1);
        if (Math.Abs(margin) < TieMargin) return (0.5, 0.5);
        var p0 = 1 / (1 + Math.Exp(-margin / Temperature));
        return rng.NextDouble() < p0 ? (1, 0) : (0, 1);
    }
}
