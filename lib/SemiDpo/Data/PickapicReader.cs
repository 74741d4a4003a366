using System.Runtime.CompilerServices;
using Microsoft.Data.Analysis;
using Parquet;
using Parquet.Schema;
using SemiDpo.Data.World;
using SemiDpo.Imaging;
using C = SemiDpo.Data.PickapicColumns;

namespace SemiDpo.Data;

/// <summary>How a <see cref="PickapicReader"/> treats bad rows.</summary>
/// <param name="SkipBadRows">Leave out rows with bad labels or undecodable images (counted in <see cref="PickapicReader.Skipped"/>) instead of stopping at the first.</param>
public sealed record PickapicReadOptions(bool SkipBadRows = false);

/// <summary>
/// Reads Pick-a-Pic v2 style parquet (real shards or the miniature world's files) one row group at a time, so memory
/// is bounded by a row group. The same reader gives a stream of <see cref="PreferencePair"/>s (images decoded and
/// checked) and a DataFrame of the metadata columns (no image bytes read). Every problem names the file, row group,
/// row and column.
/// </summary>
public sealed class PickapicReader : IAsyncDisposable
{
    readonly ParquetReader reader;
    readonly Stream stream;
    readonly string file;
    readonly PickapicReadOptions options;

    PickapicReader(ParquetReader reader, Stream stream, string file, PickapicReadOptions options) =>
        (this.reader, this.stream, this.file, this.options) = (reader, stream, file, options);

    public static async Task<PickapicReader> OpenAsync(string path, PickapicReadOptions? options = null, CancellationToken cancellation = default)
    {
        if (!File.Exists(path)) throw new PreferenceDataException(path, "file not found.");
        var stream = File.OpenRead(path);
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var length = stream.Length;
            await stream.DisposeAsync();
            throw new PreferenceDataException(path, $"not a readable parquet file (truncated or corrupt? {length} bytes): {e.Message}", e);
        }
        var present = reader.Schema.GetDataFields().Select(f => f.Name).ToHashSet();
        var missing = C.Required.Where(f => !present.Contains(f.Name)).Select(f => f.Name).ToList();
        if (missing.Count > 0)
        {
            await reader.DisposeAsync();
            await stream.DisposeAsync();
            throw new PreferenceDataException(path, $"missing required column(s) {string.Join(", ", missing)}; the file has {string.Join(", ", present)}.");
        }
        return new PickapicReader(reader, stream, path, options ?? new PickapicReadOptions());
    }

    public int RowGroupCount => reader.RowGroupCount;
    public long RowCount => Enumerable.Range(0, reader.RowGroupCount).Sum(i => reader.OpenRowGroupReader(i).RowCount);
    /// <summary>True when the file carries the miniature world's ground-truth columns.</summary>
    public bool HasTruth => C.Truth.All(f => Field(f.Name) is not null);
    /// <summary>Rows left out so far (only with <see cref="PickapicReadOptions.SkipBadRows"/>).</summary>
    public SkippedRows Skipped { get; } = new();

    /// <summary>Every valid pair, in file order, decoding both images.</summary>
    public async IAsyncEnumerable<PreferencePair> ReadPairsAsync([EnumeratorCancellation] CancellationToken cancellation = default)
    {
        long firstRow = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var columns = await RowGroupColumns.LoadAsync(this, g, withImages: true, cancellation);
            for (var r = 0; r < columns.Count; r++)
            {
                var pair = TryBuild(columns, r, g, firstRow + r);
                if (pair is not null) yield return pair;
            }
            firstRow += columns.Count;
        }
    }

    /// <summary>The metadata (and ground-truth) columns as a DataFrame, one row per valid pair; image bytes are not read.</summary>
    public async Task<DataFrame> ReadFrameAsync(CancellationToken cancellation = default)
    {
        var frame = new PreferenceFrameBuilder(HasTruth);
        long firstRow = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var columns = await RowGroupColumns.LoadAsync(this, g, withImages: false, cancellation);
            for (var r = 0; r < columns.Count; r++)
            {
                if (CheckLabels(columns, r, g, firstRow + r) is { } problem) { Reject(problem); continue; }
                frame.Add(columns, r);
            }
            firstRow += columns.Count;
        }
        return frame.Build();
    }

    /// <summary>Row <paramref name="i"/> of a row group (row <paramref name="row"/> of the file) as a pair, or null when skipped.</summary>
    PreferencePair? TryBuild(RowGroupColumns c, int i, int group, long row)
    {
        if (CheckLabels(c, i, group, row) is { } labelProblem) return Reject(labelProblem);
        var image0 = ImageCodec.TryDecode(c.Jpg0![i] ?? []);
        if (image0 is null) return Reject(new(file, group, row, C.Jpg0.Name, "image bytes could not be decoded as PNG or JPEG"));
        var image1 = ImageCodec.TryDecode(c.Jpg1![i] ?? []);
        if (image1 is null) return Reject(new(file, group, row, C.Jpg1.Name, "image bytes could not be decoded as PNG or JPEG"));
        return new PreferencePair(c.Caption[i]!, image0, image1, c.Label0[i]!.Value, c.Label1[i]!.Value, c.Metadata(i), c.Truth(i));
    }

    PreferenceDataException? CheckLabels(RowGroupColumns c, int i, int group, long row)
    {
        if (string.IsNullOrEmpty(c.Caption[i])) return new(file, group, row, C.Caption.Name, "caption is empty");
        var (l0, l1) = (c.Label0[i], c.Label1[i]);
        if (l0 is null) return new(file, group, row, C.Label0.Name, "label is null");
        if (l1 is null) return new(file, group, row, C.Label1.Name, "label is null");
        if (!IsLabel(l0.Value)) return new(file, group, row, C.Label0.Name, $"label {l0} is not 0, 0.5 or 1");
        if (!IsLabel(l1.Value)) return new(file, group, row, C.Label1.Name, $"label {l1} is not 0, 0.5 or 1");
        if (l0.Value + l1.Value != 1) return new(file, group, row, C.Label1.Name, $"labels {l0} and {l1} do not sum to 1");
        return null;
    }

    static bool IsLabel(double v) => v is 0 or 0.5 or 1;

    PreferencePair? Reject(PreferenceDataException problem)
    {
        if (!options.SkipBadRows) throw problem;
        Skipped.Add(problem);
        return null;
    }

    internal DataField? Field(string name) => reader.Schema.GetDataFields().FirstOrDefault(f => f.Name == name);
    internal ParquetRowGroupReader RowGroup(int index) => reader.OpenRowGroupReader(index);
    internal string FileName => file;

    public async ValueTask DisposeAsync()
    {
        await reader.DisposeAsync();
        await stream.DisposeAsync();
    }
}
