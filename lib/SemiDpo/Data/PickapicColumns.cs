using Parquet.Schema;

namespace SemiDpo.Data;

/// <summary>The parquet columns of Pick-a-Pic v2 (yuvalkirstain/pickapic_v2) plus the miniature world's ground truth.</summary>
public static class PickapicColumns
{
    public static readonly DataField Caption = new DataField<string>("caption");
    public static readonly DataField Jpg0 = new DataField<byte[]>("jpg_0");
    public static readonly DataField Jpg1 = new DataField<byte[]>("jpg_1");
    public static readonly DataField Label0 = new DataField<double>("label_0");
    public static readonly DataField Label1 = new DataField<double>("label_1");
    public static readonly DataField BestImageUid = new DataField<string>("best_image_uid");
    public static readonly DataField Image0Uid = new DataField<string>("image_0_uid");
    public static readonly DataField Image1Uid = new DataField<string>("image_1_uid");
    public static readonly DataField Model0 = new DataField<string>("model_0");
    public static readonly DataField Model1 = new DataField<string>("model_1");
    public static readonly DataField UserId = new DataField<long>("user_id");
    public static readonly DataField RankingId = new DataField<long>("ranking_id");
    public static readonly DataField AreDifferent = new DataField<bool>("are_different");
    public static readonly DataField HasLabel = new DataField<bool>("has_label");
    public static readonly DataField CreatedAt = new DataField<DateTime>("created_at");
    /// <summary>The pair's row in the source it was first read from (the official pipeline's idx), kept by files we derive from it.</summary>
    public static readonly DataField Idx = new DataField<long>("idx");

    // Ground truth of the miniature world (absent from real Pick-a-Pic files).
    public static readonly DataField Alignment0 = new DataField<double>("oracle_alignment_0");
    public static readonly DataField Aesthetics0 = new DataField<double>("oracle_aesthetics_0");
    public static readonly DataField Detail0 = new DataField<double>("oracle_detail_0");
    public static readonly DataField Alignment1 = new DataField<double>("oracle_alignment_1");
    public static readonly DataField Aesthetics1 = new DataField<double>("oracle_aesthetics_1");
    public static readonly DataField Detail1 = new DataField<double>("oracle_detail_1");
    public static readonly DataField TrueUtility0 = new DataField<double>("true_utility_0");
    public static readonly DataField TrueUtility1 = new DataField<double>("true_utility_1");

    /// <summary>The columns every reader needs (what the official Semi-DPO code reads).</summary>
    public static readonly DataField[] Required = [Caption, Jpg0, Jpg1, Label0, Label1];

    public static readonly DataField[] Metadata = [BestImageUid, Image0Uid, Image1Uid, Model0, Model1, UserId, RankingId, AreDifferent, HasLabel, CreatedAt];

    public static readonly DataField[] Truth = [Alignment0, Aesthetics0, Detail0, Alignment1, Aesthetics1, Detail1, TrueUtility0, TrueUtility1];

    public static ParquetSchema Schema(bool withTruth, bool withIdx = false) =>
        new(Required.Concat(Metadata).Concat(withIdx ? [Idx] : []).Concat(withTruth ? Truth : []).ToArray<Field>());
}
