using Parquet;
using C = SemiDpo.Data.PickapicColumns;

namespace SemiDpo.Data;

/// <summary>
/// Writes preference pairs as a Pick-a-Pic v2 style parquet file, one row group per <c>WriteRowGroupAsync</c>
/// call, so memory stays bounded by one row group. Images are stored PNG-encoded in jpg_0 / jpg_1 (the readers of
/// the format decode PNG and JPEG alike). Ground-truth columns are written when <c>withTruth</c> is set.
/// </summary>
public sealed class PickapicWriter : IAsyncDisposable
{
    readonly ParquetWriter writer;
    readonly bool withTruth, withIdx;

    PickapicWriter(ParquetWriter writer, bool withTruth, bool withIdx) => (this.writer, this.withTruth, this.withIdx) = (writer, withTruth, withIdx);

    /// <param name="withIdx">Also write each pair's <see cref="EncodedPair.Row"/> as the <c>idx</c> column, so that files derived from a source keep its row numbers.</param>
    public static async Task<PickapicWriter> CreateAsync(Stream output, bool withTruth, bool withIdx = false)
    {
        var options = new ParquetOptions();
        return new PickapicWriter(await ParquetWriter.CreateAsync(C.Schema(withTruth, withIdx), output, options), withTruth, withIdx);
    }

    public Task WriteRowGroupAsync(IReadOnlyList<PreferencePair> pairs) => WriteRowGroupAsync(pairs.Select(EncodedPair.From).ToList());

    /// <summary>Writes rows whose images are already encoded (copying rows between files without decoding them).</summary>
    public async Task WriteRowGroupAsync(IReadOnlyList<EncodedPair> pairs)
    {
        if (withTruth && pairs.Any(p => p.Truth is null))
            throw new ArgumentException("This file has ground-truth columns, but a pair without ground truth was given.", nameof(pairs));
        if (pairs.Any(p => p.Jpg0 is null || p.Jpg1 is null))
            throw new ArgumentException("A row read without its images cannot be written.", nameof(pairs));
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(C.Caption, pairs.Select(p => p.Caption).ToArray());
        await group.WriteAsync(C.Jpg0, pairs.Select(p => p.Jpg0!).ToArray());
        await group.WriteAsync(C.Jpg1, pairs.Select(p => p.Jpg1!).ToArray());
        await Write(group, C.Label0, pairs, p => p.Label0);
        await Write(group, C.Label1, pairs, p => p.Label1);
        await group.WriteAsync(C.BestImageUid, pairs.Select(p => p.Metadata.BestImageUid(p.Label0, p.Label1)).ToArray());
        await group.WriteAsync(C.Image0Uid, pairs.Select(p => p.Metadata.Image0Uid).ToArray());
        await group.WriteAsync(C.Image1Uid, pairs.Select(p => p.Metadata.Image1Uid).ToArray());
        await group.WriteAsync(C.Model0, pairs.Select(p => p.Metadata.Model0).ToArray());
        await group.WriteAsync(C.Model1, pairs.Select(p => p.Metadata.Model1).ToArray());
        await Write(group, C.UserId, pairs, p => p.Metadata.UserId);
        await Write(group, C.RankingId, pairs, p => p.Metadata.RankingId);
        await Write(group, C.AreDifferent, pairs, p => p.Metadata.AreDifferent);
        await Write(group, C.HasLabel, pairs, p => p.Metadata.HasLabel);
        await Write(group, C.CreatedAt, pairs, p => p.Metadata.CreatedAt);
        if (withIdx) await Write(group, C.Idx, pairs, p => p.Row);
        if (withTruth)
        {
            await Write(group, C.Alignment0, pairs, p => p.Truth!.Image0.Alignment);
            await Write(group, C.Aesthetics0, pairs, p => p.Truth!.Image0.Aesthetics);
            await Write(group, C.Detail0, pairs, p => p.Truth!.Image0.Detail);
            await Write(group, C.Alignment1, pairs, p => p.Truth!.Image1.Alignment);
            await Write(group, C.Aesthetics1, pairs, p => p.Truth!.Image1.Aesthetics);
            await Write(group, C.Detail1, pairs, p => p.Truth!.Image1.Detail);
            await Write(group, C.TrueUtility0, pairs, p => p.Truth!.Utility0);
            await Write(group, C.TrueUtility1, pairs, p => p.Truth!.Utility1);
        }
    }

    static Task Write<T>(ParquetRowGroupWriter group, Parquet.Schema.DataField field, IReadOnlyList<EncodedPair> pairs, Func<EncodedPair, T> value)
        where T : struct =>
        group.WriteAsync(field, new ReadOnlyMemory<T>(pairs.Select(value).ToArray()));

    public ValueTask DisposeAsync() => writer.DisposeAsync();
}
