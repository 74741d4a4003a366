using Parquet;
using Parquet.Schema;
using C = SemiDpo.Data.PickapicColumns;

namespace SemiDpo.Data;

/// <summary>The columns of one row group, read once; optional columns are null when the file lacks them.</summary>
internal sealed class RowGroupColumns
{
    public int Count { get; private init; }
    public string?[] Caption { get; private init; } = [];
    public byte[]?[]? Jpg0 { get; private init; }
    public byte[]?[]? Jpg1 { get; private init; }
    public double?[] Label0 { get; private init; } = [];
    public double?[] Label1 { get; private init; } = [];
    string?[]? image0Uid, image1Uid, model0, model1;
    long?[]? userId, rankingId, idx;
    bool?[]? areDifferent, hasLabel;
    DateTime?[]? createdAt;
    double?[][]? truth;

    public static async Task<RowGroupColumns> LoadAsync(PickapicReader reader, int index, bool withImages, CancellationToken cancellation)
    {
        using var group = reader.RowGroup(index);
        var n = checked((int)group.RowCount);
        var loader = new Loader(reader, group, index, n, cancellation);
        var columns = new RowGroupColumns
        {
            Count = n,
            Caption = (await loader.Strings(C.Caption.Name))!,
            Jpg0 = withImages ? await loader.Bytes(C.Jpg0.Name) : null,
            Jpg1 = withImages ? await loader.Bytes(C.Jpg1.Name) : null,
            Label0 = (await loader.Doubles(C.Label0.Name))!,
            Label1 = (await loader.Doubles(C.Label1.Name))!,
        };
        columns.image0Uid = await loader.Strings(C.Image0Uid.Name, optional: true);
        columns.image1Uid = await loader.Strings(C.Image1Uid.Name, optional: true);
        columns.model0 = await loader.Strings(C.Model0.Name, optional: true);
        columns.model1 = await loader.Strings(C.Model1.Name, optional: true);
        columns.userId = await loader.Longs(C.UserId.Name);
        columns.rankingId = await loader.Longs(C.RankingId.Name);
        columns.idx = await loader.Longs(C.Idx.Name);
        columns.areDifferent = await loader.Values<bool>(C.AreDifferent.Name);
        columns.hasLabel = await loader.Values<bool>(C.HasLabel.Name);
        columns.createdAt = await loader.Values<DateTime>(C.CreatedAt.Name);
        if (reader.HasTruth)
        {
            var truth = new double?[C.Truth.Length][];
            for (var k = 0; k < truth.Length; k++) truth[k] = (await loader.Doubles(C.Truth[k].Name))!;
            columns.truth = truth;
        }
        return columns;
    }

    /// <summary>Row group <paramref name="index"/>'s label_0 column alone (what the official numbering needs).</summary>
    public static async Task<double?[]> Label0Async(PickapicReader reader, int index, CancellationToken cancellation)
    {
        using var group = reader.RowGroup(index);
        return (await new Loader(reader, group, index, checked((int)group.RowCount), cancellation).Doubles(C.Label0.Name))!;
    }

    /// <summary>Row group <paramref name="index"/>'s jpg_0 and jpg_1 columns alone.</summary>
    public static async Task<(byte[]?[] Jpg0, byte[]?[] Jpg1)> ImagesAsync(PickapicReader reader, int index, CancellationToken cancellation)
    {
        using var group = reader.RowGroup(index);
        var loader = new Loader(reader, group, index, checked((int)group.RowCount), cancellation);
        return ((await loader.Bytes(C.Jpg0.Name))!, (await loader.Bytes(C.Jpg1.Name))!);
    }

    public PairMetadata Metadata(int i) => new(
        image0Uid?[i] ?? "", image1Uid?[i] ?? "", model0?[i] ?? "", model1?[i] ?? "",
        userId?[i] ?? 0, rankingId?[i] ?? 0, areDifferent?[i] ?? true, hasLabel?[i] ?? true, createdAt?[i] ?? default);

    /// <summary>The idx column of row i (files derived from a source), or null when the file has none.</summary>
    public long? Idx(int i) => idx?[i];

    /// <summary>Ground truth of row i, or null for files without it (or a null cell).</summary>
    public GroundTruth? Truth(int i)
    {
        if (truth is null || truth.Any(column => column[i] is null)) return null;
        double T(int k) => truth[k][i]!.Value;
        return new GroundTruth(new OracleScores(T(0), T(1), T(2)), new OracleScores(T(3), T(4), T(5)), T(6), T(7));
    }

    /// <summary>The first ground-truth column whose value in row i is NaN or infinite, or null.</summary>
    public string? NonFiniteTruth(int i)
    {
        if (truth is null) return null;
        for (var k = 0; k < truth.Length; k++)
            if (truth[k][i] is { } v && !double.IsFinite(v)) return C.Truth[k].Name;
        return null;
    }

    /// <summary>Reads one column of a row group whatever its physical nullability; names the column on a type mismatch.</summary>
    sealed class Loader(PickapicReader reader, ParquetRowGroupReader group, int index, int n, CancellationToken cancellation)
    {
        DataField? Find(string name, bool optional)
        {
            var field = reader.Field(name);
            if (field is null && !optional)
                throw new PreferenceDataException(reader.FileName, $"row group {index}: column '{name}' is missing.");
            return field;
        }

        PreferenceDataException WrongType(DataField field, string expected) =>
            new(reader.FileName, $"row group {index}: column '{field.Name}' holds {field.ClrType.Name}, expected {expected}.");

        public async Task<string?[]?> Strings(string name, bool optional = false)
        {
            if (Find(name, optional) is not { } field) return null;
            if (field.ClrType != typeof(string) && field.ClrType != typeof(ReadOnlyMemory<char>)) throw WrongType(field, "string");
            var values = new string?[n];
            await group.ReadAsync(field, values.AsMemory()!, null, cancellation);
            return values;
        }

        public async Task<byte[]?[]?> Bytes(string name)
        {
            var field = Find(name, optional: false)!;
            if (field.ClrType != typeof(byte[]) && field.ClrType != typeof(ReadOnlyMemory<byte>)) throw WrongType(field, "binary");
            var values = new byte[]?[n];
            await group.ReadAsync(field, values.AsMemory()!, null, cancellation);
            return values;
        }

        public async Task<double?[]?> Doubles(string name)
        {
            var field = Find(name, optional: false)!;
            if (field.ClrType == typeof(double)) return await Read<double>(field);
            if (field.ClrType == typeof(float)) return (await Read<float>(field)).Select(v => (double?)v).ToArray();
            throw WrongType(field, "double");
        }

        public async Task<long?[]?> Longs(string name)
        {
            if (Find(name, optional: true) is not { } field) return null;
            if (field.ClrType == typeof(long)) return await Read<long>(field);
            if (field.ClrType == typeof(int)) return (await Read<int>(field)).Select(v => (long?)v).ToArray();
            throw WrongType(field, "int64");
        }

        public async Task<T?[]?> Values<T>(string name) where T : struct
        {
            if (Find(name, optional: true) is not { } field) return null;
            if (field.ClrType != typeof(T)) throw WrongType(field, typeof(T).Name);
            return await Read<T>(field);
        }

        async Task<T?[]> Read<T>(DataField field) where T : struct
        {
            if (field.IsNullable)
            {
                var nullable = new T?[n];
                await group.ReadAsync(field, nullable.AsMemory(), null, cancellation);
                return nullable;
            }
            var values = new T[n];
            await group.ReadAsync(field, values.AsMemory(), null, cancellation);
            return values.Select(v => (T?)v).ToArray();
        }
    }
}
