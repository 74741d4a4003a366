using SemiDpo.Imaging;

namespace SemiDpo.Data;

/// <summary>
/// One Pick-a-Pic style preference pair: a caption, two images and the human label (label_0, label_1) — (1, 0), (0, 1)
/// or the tie (0.5, 0.5) — with the metadata columns of Pick-a-Pic v2 and, for the miniature world, the ground truth.
/// </summary>
public sealed record PreferencePair(
    string Caption,
    RgbImage Image0,
    RgbImage Image1,
    double Label0,
    double Label1,
    PairMetadata Metadata,
    GroundTruth? Truth = null)
{
    /// <summary>
    /// This pair's official idx in its source (<c>prepare_pickapic.py</c>): its position among the source's rows whose
    /// label_0 is not 0.5 (<see cref="PickapicShards"/>); files derived from a source (the filter's subsets) carry it in
    /// their idx column. −1 for a tie (the official pipeline drops ties before numbering) and when not read from a file.
    /// </summary>
    public long Row { get; init; } = -1;

    public bool IsTie => Label0 == Label1;

    /// <summary>+1 when the human preferred image 0, −1 for image 1, 0 for a tie.</summary>
    public int HumanPreference => Math.Sign(Label0 - Label1);
}

/// <summary>Pick-a-Pic v2's bookkeeping columns.</summary>
public sealed record PairMetadata(
    string Image0Uid = "",
    string Image1Uid = "",
    string Model0 = "",
    string Model1 = "",
    long UserId = 0,
    long RankingId = 0,
    bool AreDifferent = true,
    bool HasLabel = true,
    DateTime CreatedAt = default)
{
    public string BestImageUid(double label0, double label1) =>
        label0 > label1 ? Image0Uid : label1 > label0 ? Image1Uid : "";
}

/// <summary>What the world knows and real data does not: the oracle's scores of both images and the true utilities.</summary>
public sealed record GroundTruth(OracleScores Image0, OracleScores Image1, double Utility0, double Utility1)
{
    /// <summary>+1 when image 0 is truly better, −1 when image 1 is, 0 when equal.</summary>
    public int TruePreference => Math.Sign(Utility0 - Utility1);
}
