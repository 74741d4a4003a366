using SemiDpo.Imaging;

namespace SemiDpo.Data;

/// <summary>
/// A checked row of a Pick-a-Pic style file with its images still encoded (PNG or JPEG bytes, or null when the images
/// were not read): what copying, splitting and label-only passes need, without the cost of decoding.
/// </summary>
public sealed record EncodedPair(
    long Row,
    string Caption,
    byte[]? Jpg0,
    byte[]? Jpg1,
    double Label0,
    double Label1,
    PairMetadata Metadata,
    GroundTruth? Truth)
{
    public bool IsTie => Label0 == Label1;

    /// <summary>Where the row sits in its own file (for messages about it).</summary>
    public long FileRowIndex { get; init; }
    public int RowGroupIndex { get; init; }

    /// <summary>Encodes both images of a decoded pair.</summary>
    public static EncodedPair From(PreferencePair pair) => new(pair.Row, pair.Caption, ImageCodec.Encode(pair.Image0), ImageCodec.Encode(pair.Image1),
        pair.Label0, pair.Label1, pair.Metadata, pair.Truth);
}
