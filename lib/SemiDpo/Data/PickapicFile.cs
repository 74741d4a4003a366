using Microsoft.Data.Analysis;

namespace SemiDpo.Data;

/// <summary>One-call reads of a whole Pick-a-Pic style file (or shards: a folder or a glob), for notebooks and small sets (large ones: stream with <see cref="PickapicShards"/>).</summary>
public static class PickapicFile
{
    /// <summary>Every valid pair of the file, in order.</summary>
    public static async Task<List<PreferencePair>> ReadPairsAsync(string path, PickapicReadOptions? options = null, CancellationToken cancellation = default)
    {
        var shards = await PickapicShards.OpenAsync(path, options, cancellation);
        return await shards.ReadPairsAsync(cancellation).ToListAsync(cancellation);
    }

    /// <summary>The metadata and ground-truth columns as a DataFrame (no image bytes read).</summary>
    public static async Task<DataFrame> ReadFrameAsync(string path, PickapicReadOptions? options = null, CancellationToken cancellation = default)
    {
        await using var reader = await PickapicReader.OpenAsync(path, options, cancellation);
        return await reader.ReadFrameAsync(cancellation);
    }
}
