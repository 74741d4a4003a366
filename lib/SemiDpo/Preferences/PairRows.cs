
using static TorchSharp.torch;

namespace SemiDpo.Preferences;

/// <summary>
/// One side of a pair set (winners or losers; images or latents) as consecutive chunks along the pair axis: one
/// in-memory tensor, or a latent cache's chunk files mapped from disk (<see cref="Torch.SafeTensors.Map"/>) — or rows
/// read on demand (<see cref="IRowSource"/>: images streamed from their shards) — so that a set larger than memory is read
/// a batch at a time and never concatenated. A subset (<see cref="Pick"/>) lists rows of the same chunks or source
/// instead of copying them.
/// </summary>
public sealed class PairRows : IDisposable
{
    readonly Tensor[] chunks;
    readonly long[] starts;
    readonly long[]? picked;
    readonly IRowSource? source;

    /// <summary>Rows in chunk order; every chunk has the same row shape and dtype. The rows own the chunks.</summary>
    public PairRows(IReadOnlyList<Tensor> chunks) : this(chunks, null)
    {
    }

    PairRows(IReadOnlyList<Tensor> chunks, long[]? picked)
    {
        if (chunks.Count == 0) throw new ArgumentException("At least one chunk.", nameof(chunks));
        var rowShape = chunks[0].shape[1..];
        if (chunks.FirstOrDefault(c => !c.shape[1..].SequenceEqual(rowShape) || c.dtype != chunks[0].dtype) is { } odd)
            throw new ArgumentException($"A chunk of shape [{string.Join(", ", odd.shape)}] {odd.dtype} among chunks of rows [{string.Join(", ", rowShape)}] {chunks[0].dtype}.", nameof(chunks));
        this.chunks = [.. chunks];
        starts = new long[chunks.Count + 1];
        for (var c = 0; c < chunks.Count; c++) starts[c + 1] = starts[c] + chunks[c].shape[0];
        this.picked = picked;
    }

    /// <summary>Rows of one in-memory tensor.</summary>
    public PairRows(Tensor rows) : this([rows])
    {
    }

    /// <summary>Rows read on demand; the rows own the source.</summary>
    public PairRows(IRowSource source) : this(source, null)
    {
    }

    PairRows(IRowSource source, long[]? picked) => (chunks, starts, this.source, this.picked) = ([], [0, source.Count], source, picked);

    public long Count => picked?.Length ?? starts[^1];

    /// <summary>The shape of the whole side, (N, …).</summary>
    public long[] Shape => [Count, .. source?.RowShape ?? chunks[0].shape[1..]];

    /// <summary>True when the rows are read on demand (<see cref="IRowSource"/>) rather than held or mapped.</summary>
    public bool IsStreamed => source is not null;

    /// <summary>The listed rows (int64 indices on the CPU), in their order, as one new tensor in the stored dtype.</summary>
    public Tensor Select(Tensor indices)
    {
        if (source is not null) return source.Read(indices.data<long>().Select(SourceRow).ToArray());
        if (chunks.Length == 1 && picked is null) return chunks[0].index_select(0, indices);
        var wanted = indices.data<long>().Select(SourceRow).ToArray();
        if (chunks.Length == 1)
        {
            using var mapped = tensor(wanted);
            return chunks[0].index_select(0, mapped);
        }
        var rows = new List<Tensor>(wanted.Length);
        try
        {
            foreach (var row in wanted)
            {
                var c = Array.BinarySearch(starts, row);
                c = c >= 0 ? c : ~c - 1;
                rows.Add(chunks[c].narrow(0, row - starts[c], 1));
            }
            return cat(rows, 0);
        }
        finally
        {
            foreach (var row in rows) row.Dispose();
        }
    }

    /// <summary>The listed rows (indices into these rows) as rows of their own that share the chunks: nothing is copied.</summary>
    public PairRows Pick(IReadOnlyList<long> rows) => source is not null
        ? new(source.Share(), rows.Select(SourceRow).ToArray())
        : new(chunks.Select(c => c.alias()).ToList(), rows.Select(SourceRow).ToArray());

    /// <summary>Row <paramref name="i"/> of these rows as a row of the chunks (checked).</summary>
    long SourceRow(long i) =>
        i >= 0 && i < Count ? picked?[i] ?? i : throw new ArgumentOutOfRangeException(nameof(i), i, $"Row {i} of {Count}.");

    public void Dispose()
    {
        foreach (var chunk in chunks) chunk.Dispose();
        source?.Dispose();
    }
}
