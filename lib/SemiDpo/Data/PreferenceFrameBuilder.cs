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

    public void Add(EncodedPair pair)
    {
        caption.Add(pair.Caption);
        label0.Add(pair.Label0);
        label1.Add(pair.Label1);
        model0.Add(pair.Metadata.Model0);
        model1.Add(pair.Metadata.Model1);
        userId.Add(pair.Metadata.UserId);
        rankingId.Add(pair.Metadata.RankingId);
        if (!withTruth) return;
        double[] values = pair.Truth is { } t
            ? [t.Image0.Alignment, t.Image0.Aesthetics, t.Image0.Detail, t.Image1.Alignment, t.Image1.Aesthetics, t.Image1.Detail, t.Utility0, t.Utility1]
            : [.. C.Truth.Select(_ => double.NaN)];
        for (var k = 0; k < truth.Length; k++) truth[k].Add(values[k]);
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
