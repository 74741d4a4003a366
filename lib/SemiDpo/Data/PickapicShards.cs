using System.Runtime.CompilerServices;

namespace SemiDpo.Data;

/// <summary>
/// Several Pick-a-Pic style parquet shards (a file, a folder of *.parquet or a glob such as
/// <c>pickapic/train-*.parquet</c>, in ordinal name order) read as one stream, one file and one row group at a time,
/// so memory is bounded by a row group whatever the number of shards. A pair's <see cref="PreferencePair.Row"/> is the idx
/// the official pipeline gives it (<c>prepare_pickapic.py</c>): its position among the rows of the concatenated shards
/// whose label_0 is not 0.5 — rows left out here for other reasons keep their number; ties have none (−1).
/// </summary>
public sealed class PickapicShards
{
    readonly long[] firstIdx;
    readonly PickapicReadOptions options;

    PickapicShards(IReadOnlyList<string> files, long[] firstIdx, long rowCount, long nonTieRows, bool hasTruth, PickapicReadOptions options) =>
        (Files, this.firstIdx, RowCount, NonTieRows, HasTruth, this.options) = (files, firstIdx, rowCount, nonTieRows, hasTruth, options);

    public IReadOnlyList<string> Files { get; }
    /// <summary>Rows in all shards, bad and excluded ones included.</summary>
    public long RowCount { get; }
    /// <summary>Rows whose label_0 is not 0.5: the official idx runs 0…NonTieRows − 1.</summary>
    public long NonTieRows { get; }

    /// <summary>
    /// Refuses score or label files that name an idx past <see cref="NonTieRows"/>: files numbered another way (before
    /// the official numbering, every raw row took a number) would otherwise attach to the wrong pairs.
    /// </summary>
    public void CheckIdx(long largest, string files)
    {
        if (largest >= NonTieRows)
            throw new PreferenceDataException(files, $"names idx {largest}, but the shards have {NonTieRows:N0} non-tie rows (idx 0…{NonTieRows - 1}). " +
                "idx counts the rows whose label_0 is not 0.5, as the official prepare_pickapic.py; files that numbered every raw row (semidpo before this rule) must be scored again.");
    }
    /// <summary>True when every shard carries the miniature world's ground-truth columns.</summary>
    public bool HasTruth { get; }
    /// <summary>Bad rows skipped so far (with <see cref="PickapicReadOptions.SkipBadRows"/>).</summary>
    public SkippedRows Skipped { get; } = new();
    /// <summary>Rows left out by design so far (images not different, no human label).</summary>
    public SkippedRows Excluded { get; } = new();

    /// <summary>
    /// Resolves <paramref name="spec"/> and checks every shard's footer and columns before anything is read; counts each
    /// shard's non-tie rows (label_0 only) to number the next one's.
    /// </summary>
    public static async Task<PickapicShards> OpenAsync(string spec, PickapicReadOptions? options = null, CancellationToken cancellation = default)
    {
        options ??= new PickapicReadOptions();
        var files = Resolve(spec);
        var firstIdx = new long[files.Count];
        long rows = 0, numbered = 0;
        var truth = true;
        for (var i = 0; i < files.Count; i++)
        {
            await using var reader = await PickapicReader.OpenAsync(files[i], options, cancellation);
            firstIdx[i] = numbered;
            numbered += await reader.NonTieRowsAsync(cancellation);
            rows += reader.RowCount;
            truth &= reader.HasTruth;
        }
        return new PickapicShards(files, firstIdx, rows, numbered, truth, options);
    }

    /// <summary>The shard files a spec names: one file, every *.parquet of a folder, or a glob in the last path part.</summary>
    public static IReadOnlyList<string> Resolve(string spec)
    {
        if (File.Exists(spec)) return [spec];
        string[] found;
        if (Directory.Exists(spec)) found = Directory.GetFiles(spec, "*.parquet");
        else
        {
            var folder = Path.GetDirectoryName(spec) is { Length: > 0 } d ? d : ".";
            var pattern = Path.GetFileName(spec);
            if (pattern.IndexOfAny(['*', '?']) < 0) throw new PreferenceDataException(spec, "file not found.");
            if (!Directory.Exists(folder)) throw new PreferenceDataException(spec, $"folder {folder} not found.");
            found = Directory.GetFiles(folder, pattern);
        }
        if (found.Length == 0) throw new PreferenceDataException(spec, "no parquet files found there.");
        Array.Sort(found, StringComparer.Ordinal);
        return found;
    }

    /// <summary>Every valid pair of every shard, decoding both images.</summary>
    public async IAsyncEnumerable<PreferencePair> ReadPairsAsync([EnumeratorCancellation] CancellationToken cancellation = default)
    {
        for (var i = 0; i < Files.Count; i++)
        {
            await using var reader = await Open(i, cancellation);
            await foreach (var pair in reader.ReadPairsAsync(cancellation)) yield return pair;
        }
    }

    /// <summary>Every valid row of every shard with its images still encoded, or not read (<paramref name="withImages"/> false).</summary>
    public async IAsyncEnumerable<EncodedPair> ReadEncodedAsync(bool withImages = true, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        for (var i = 0; i < Files.Count; i++)
        {
            await using var reader = await Open(i, cancellation);
            await foreach (var pair in reader.ReadEncodedAsync(withImages, cancellation)) yield return pair;
        }
    }

    Task<PickapicReader> Open(int i, CancellationToken cancellation) =>
        PickapicReader.OpenAsync(Files[i], options, firstIdx[i], Skipped, Excluded, cancellation);
}
