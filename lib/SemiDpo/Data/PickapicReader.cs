using System.Runtime.CompilerServices;
using Microsoft.Data.Analysis;
using Parquet;
using Parquet.Schema;
using C = SemiDpo.Data.PickapicColumns;

namespace SemiDpo.Data;

/// <summary>How a <see cref="PickapicReader"/> treats bad rows.</summary>
/// <param name="SkipBadRows">Leave out rows with a missing caption, bad labels or undecodable images, and row groups that cannot be read (counted in <see cref="PickapicReader.Skipped"/>), instead of stopping at the first. A row group whose label_0 itself cannot be read still stops the read: the rows after it cannot be numbered.</param>
public sealed record PickapicReadOptions(bool SkipBadRows = false);

/// <summary>
/// Reads Pick-a-Pic v2 style parquet (real shards or the miniature world's files) one row group at a time, so memory
/// is bounded by a row group. The same reader gives a stream of <see cref="PreferencePair"/>s (images decoded and
/// checked), of <see cref="EncodedPair"/>s (images left encoded, or not read at all) and a DataFrame of the metadata
/// columns. Every problem names the file, row group, row and column. Rows whose images are the same
/// (<c>are_different = false</c>) or that carry no human choice (<c>has_label = false</c>) are left out by design and
/// counted in <see cref="Excluded"/>: neither says anything about which image is preferred.
/// </summary>
public sealed class PickapicReader : IAsyncDisposable
{
    readonly ParquetReader reader;
    readonly Stream stream;
    readonly string file;
    readonly PickapicReadOptions options;
    readonly long firstIdx;

    PickapicReader(ParquetReader reader, Stream stream, string file, PickapicReadOptions options, long firstIdx, SkippedRows skipped, SkippedRows excluded) =>
        (this.reader, this.stream, this.file, this.options, this.firstIdx, Skipped, Excluded) = (reader, stream, file, options, firstIdx, skipped, excluded);

    public static Task<PickapicReader> OpenAsync(string path, PickapicReadOptions? options = null, CancellationToken cancellation = default) =>
        OpenAsync(path, options, 0, new SkippedRows(), new SkippedRows(), cancellation);

    /// <summary>Opens one file of a stream of shards whose first non-tie row has the official idx <paramref name="firstIdx"/>.</summary>
    internal static async Task<PickapicReader> OpenAsync(string path, PickapicReadOptions? options, long firstIdx, SkippedRows skipped, SkippedRows excluded, CancellationToken cancellation)
    {
        if (!File.Exists(path)) throw new PreferenceDataException(path, "file not found.");
        var stream = File.OpenRead(path);
        ParquetReader? reader = null;
        HashSet<string> present;
        try
        {
            if (ParquetFooterCheck.Problem(stream) is { } problem) throw new InvalidDataException(problem);
            reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellation);
            present = reader.Schema.GetDataFields().Select(f => f.Name).ToHashSet();
            _ = Enumerable.Range(0, reader.RowGroupCount).Sum(i => reader.OpenRowGroupReader(i).RowCount);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var length = stream.Length;
            if (reader is not null) await reader.DisposeAsync();
            await stream.DisposeAsync();
            throw new PreferenceDataException(path, $"not a readable parquet file (truncated or corrupt? {length} bytes): {e.Message}", e);
        }
        var missing = C.Required.Where(f => !present.Contains(f.Name)).Select(f => f.Name).ToList();
        if (missing.Count > 0)
        {
            await reader.DisposeAsync();
            await stream.DisposeAsync();
            throw new PreferenceDataException(path, $"missing required column(s) {string.Join(", ", missing)}; the file has {string.Join(", ", present)}.");
        }
        return new PickapicReader(reader, stream, path, options ?? new PickapicReadOptions(), firstIdx, skipped, excluded);
    }

    public int RowGroupCount => reader.RowGroupCount;
    public long RowCount => Enumerable.Range(0, reader.RowGroupCount).Sum(i => reader.OpenRowGroupReader(i).RowCount);
    /// <summary>True when the file carries the miniature world's ground-truth columns.</summary>
    public bool HasTruth => C.Truth.All(f => Field(f.Name) is not null);
    /// <summary>Rows left out as bad so far (only with <see cref="PickapicReadOptions.SkipBadRows"/>; otherwise the first throws).</summary>
    public SkippedRows Skipped { get; }
    /// <summary>Rows left out by design so far: images not different, or no human label.</summary>
    public SkippedRows Excluded { get; }

    /// <summary>Every valid pair, in file order, decoding both images.</summary>
    public async IAsyncEnumerable<PreferencePair> ReadPairsAsync([EnumeratorCancellation] CancellationToken cancellation = default)
    {
        await foreach (var e in ReadEncodedAsync(withImages: true, cancellation))
            if (Decode(e) is { } pair) yield return pair;
    }

    /// <summary>Every valid row, in file order, with its image bytes as stored (<paramref name="withImages"/>) or without reading them.</summary>
    /// <remarks>
    /// A pair's <see cref="EncodedPair.Row"/> is the official idx (<c>prepare_pickapic.py</c>): its position among the
    /// rows whose label_0 is not 0.5 in the shards read in order — rows left out here (images not different, no label,
    /// bad rows) keep their number, as they do there; a tie has none (−1). Files with an idx column keep theirs.
    /// </remarks>
    public async IAsyncEnumerable<EncodedPair> ReadEncodedAsync(bool withImages = true, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        long fileRow = 0, next = firstIdx;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var columns = await LoadGroup(g, fileRow, withImages, cancellation);
            if (columns is null) next += await NonTieRowsAsync(g, cancellation);
            var count = columns?.Count ?? checked((int)RowGroup(g).RowCount);
            for (var r = 0; columns is not null && r < count; r++)
            {
                var idx = IsOfficialTie(columns.Label0[r]) ? -1 : next++;
                if (TryEncoded(columns, r, g, fileRow + r, idx) is { } pair) yield return pair;
            }
            fileRow += count;
        }
    }

    /// <summary>The official pipeline drops a row as a tie iff its label_0 is 0.5 (<c>prepare_pickapic.py</c>); a null label is not one.</summary>
    static bool IsOfficialTie(double? label0) => label0 == 0.5;

    /// <summary>
    /// Rows of this file that take an official idx (label_0 ≠ 0.5), reading only label_0: how a stream of shards numbers
    /// the next file's rows, and how numbering goes on past a row group whose other columns cannot be read.
    /// </summary>
    internal async Task<long> NonTieRowsAsync(CancellationToken cancellation)
    {
        long rows = 0;
        for (var g = 0; g < reader.RowGroupCount; g++) rows += await NonTieRowsAsync(g, cancellation);
        return rows;
    }

    async Task<long> NonTieRowsAsync(int g, CancellationToken cancellation)
    {
        try
        {
            var labels = await RowGroupColumns.Label0Async(this, g, cancellation);
            return labels.LongCount(l => !IsOfficialTie(l));
        }
        catch (Exception e) when (e is not OperationCanceledException and not PreferenceDataException)
        {
            throw new PreferenceDataException(file, $"row group {g}, column '{C.Label0.Name}' cannot be read ({e.GetType().Name}: {e.Message}), so the rows after it cannot be numbered as the official pipeline numbers them.", e);
        }
    }

    /// <summary>The metadata (and ground-truth) columns as a DataFrame, one row per valid pair; image bytes are not read.</summary>
    public async Task<DataFrame> ReadFrameAsync(CancellationToken cancellation = default)
    {
        var frame = new PreferenceFrameBuilder(HasTruth);
        await foreach (var pair in ReadEncodedAsync(withImages: false, cancellation)) frame.Add(pair);
        return frame.Build();
    }

    /// <summary>Row group <paramref name="g"/>'s columns; a group that cannot be read is an error, or skipped row by row.</summary>
    async Task<RowGroupColumns?> LoadGroup(int g, long fileRow, bool withImages, CancellationToken cancellation)
    {
        try
        {
            return await RowGroupColumns.LoadAsync(this, g, withImages, cancellation);
        }
        catch (Exception e) when (e is not (OperationCanceledException or PreferenceDataException))
        {
            var problem = new PreferenceDataException(file, g, fileRow, "", $"row group cannot be read (corrupt page?): {e.GetType().Name}: {e.Message}");
            if (!options.SkipBadRows) throw problem;
            long rows;
            try { rows = RowGroup(g).RowCount; }
            catch (Exception) { throw problem; }
            for (long r = 0; r < rows; r++) Skipped.Add(new SkippedRow(file, g, fileRow + r, "", problem.Reason!));
            return null;
        }
    }

    EncodedPair? TryEncoded(RowGroupColumns c, int i, int group, long fileRow, long idx)
    {
        var metadata = c.Metadata(i);
        if (!metadata.AreDifferent) return Exclude(group, fileRow, C.AreDifferent.Name, "the two images are the same");
        if (!metadata.HasLabel) return Exclude(group, fileRow, C.HasLabel.Name, "no human label");
        if (CheckLabels(c, i, group, fileRow) is { } problem) return Reject<EncodedPair>(problem);
        if (c.Idx(i) is < 0) return Reject<EncodedPair>(new(file, group, fileRow, C.Idx.Name, $"idx {c.Idx(i)} is negative"));
        return new EncodedPair(c.Idx(i) ?? idx, c.Caption[i]!, c.Jpg0 is null ? null : c.Jpg0[i] ?? [], c.Jpg1 is null ? null : c.Jpg1[i] ?? [],
            c.Label0[i]!.Value, c.Label1[i]!.Value, metadata, c.Truth(i)) { FileRowIndex = fileRow, RowGroupIndex = group, GroupRowIndex = i, File = file };
    }

    PreferencePair? Decode(EncodedPair e)
    {
        try
        {
            return e.Decode(file);
        }
        catch (PreferenceDataException problem)
        {
            return Reject<PreferencePair>(problem);
        }
    }

    PreferenceDataException? CheckLabels(RowGroupColumns c, int i, int group, long row)
    {
        if (c.Caption[i] is null) return new(file, group, row, C.Caption.Name, "caption is null");
        if (c.Caption[i]!.Trim().Length == 0) return new(file, group, row, C.Caption.Name, "caption is empty");
        var (l0, l1) = (c.Label0[i], c.Label1[i]);
        if (l0 is null) return new(file, group, row, C.Label0.Name, "label is null");
        if (l1 is null) return new(file, group, row, C.Label1.Name, "label is null");
        if (c.NonFiniteTruth(i) is { } column) return new(file, group, row, column, "ground truth is not a finite number");
        if (!IsLabel(l0.Value)) return new(file, group, row, C.Label0.Name, $"label {l0} is not 0, 0.5 or 1");
        if (!IsLabel(l1.Value)) return new(file, group, row, C.Label1.Name, $"label {l1} is not 0, 0.5 or 1");
        if (l0.Value + l1.Value != 1) return new(file, group, row, C.Label1.Name, $"labels {l0} and {l1} do not sum to 1");
        return null;
    }

    static bool IsLabel(double v) => v is 0 or 0.5 or 1;

    EncodedPair? Exclude(int group, long fileRow, string column, string reason)
    {
        Excluded.Add(new SkippedRow(file, group, fileRow, column, reason));
        return null;
    }

    T? Reject<T>(PreferenceDataException problem) where T : class
    {
        if (!options.SkipBadRows) throw problem;
        Skipped.Add(problem);
        return null;
    }

    /// <summary>Row group <paramref name="group"/>'s two image columns alone, as stored (what streamed image sets read).</summary>
    internal async Task<(byte[]?[] Jpg0, byte[]?[] Jpg1)> ReadImagesAsync(int group, CancellationToken cancellation)
    {
        try
        {
            return await RowGroupColumns.ImagesAsync(this, group, cancellation);
        }
        catch (Exception e) when (e is not (OperationCanceledException or PreferenceDataException))
        {
            throw new PreferenceDataException(file, $"row group {group}: the image columns cannot be read (corrupt page?): {e.GetType().Name}: {e.Message}", e);
        }
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
