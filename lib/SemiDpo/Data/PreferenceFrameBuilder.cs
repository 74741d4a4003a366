using Microsoft.Data.Analysis;
using C = SemiDpo.Data.PickapicColumns;

namespace SemiDpo.Data;

/// <summary>Collects the metadata columns of valid rows into a DataFrame (no image bytes).</summary>
internal sealed class PreferenceFrameBuilder(bool withTruth)
{
    readonly List<string> caption = [], model0 = [], model1 = [];
    readonly List<double> label0 = [], label1 = [];
    readonly List<long> userId = [], rankingId = [];
    readonly List<double>[] truth = C.Truth.Select(_ => new List<double>()).ToArray();

    public void Add(RowGroupColumns c, int i)
    {
        var meta = c.Metadata(i);
        caption.Add(c.Caption[i]!);
        label0.Add(c.Label0[i]!.Value);
        label1.Add(c.Label1[i]!.Value);
        model0.Add(meta.Model0);
        model1.Add(meta.Model1);
        userId.Add(meta.UserId);
        rankingId.Add(meta.RankingId);
        if (!withTruth) return;
        for (var k = 0; k < truth.Length; k++) truth[k].Add(c.TruthValue(k, i) ?? double.NaN);
    }

    public DataFrame Build()
    {
        var columns = new List<DataFrameColumn>
        {
            new StringDataFrameColumn(C.Caption.Name, caption),
            new DoubleDataFrameColumn(C.Label0.Name, label0),
            new DoubleDataFrameColumn(C.Label1.Name, label1),
            new StringDataFrameColumn(C.Model0.Name, model0),
            new StringDataFrameColumn(C.Model1.Name, model1),
            new Int64DataFrameColumn(C.UserId.Name, userId),
            new Int64DataFrameColumn(C.RankingId.Name, rankingId),
        };
        if (withTruth)
            columns.AddRange(C.Truth.Select((f, k) => (DataFrameColumn)new DoubleDataFrameColumn(f.Name, truth[k])));
        return new DataFrame(columns);
    }
}
