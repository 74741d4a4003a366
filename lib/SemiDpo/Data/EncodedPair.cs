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
    /// <summary>The row's position in its row group (where <see cref="Preferences.ShardImages"/> finds its images).</summary>
    public int GroupRowIndex { get; init; }
    /// <summary>The file the row was read from ("" when it was not read from one).</summary>
    public string File { get; init; } = "";

    /// <summary>
    /// The pair with both images decoded; an image that is not readable PNG or JPEG is a
    /// <see cref="PreferenceDataException"/> naming <paramref name="file"/>, row group, row and column.
    /// </summary>
    public PreferencePair Decode(string file)
    {
        RgbImage Image(byte[]? bytes, string column) => ImageCodec.TryDecode(bytes ?? [])
            ?? throw new PreferenceDataException(file, RowGroupIndex, FileRowIndex, column, "image bytes could not be decoded as PNG or JPEG");
        return new PreferencePair(Caption, Image(Jpg0, PickapicColumns.Jpg0.Name), Image(Jpg1, PickapicColumns.Jpg1.Name), Label0, Label1, Metadata, Truth) { Row = Row };
    }

    /// <summary>Encodes both images of a decoded pair.</summary>
    public static EncodedPair From(PreferencePair pair) => new(pair.Row, pair.Caption, ImageCodec.Encode(pair.Image0), ImageCodec.Encode(pair.Image1),
        pair.Label0, pair.Label1, pair.Metadata, pair.Truth);
}
