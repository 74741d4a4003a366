using SemiDpo.Data;
using SemiDpo.Imaging;
using static TorchSharp.torch;

namespace SemiDpo.Preferences;

/// <summary>
/// A pair set's images left in its Pick-a-Pic shards and read when a batch asks for them, so that a set of any size
/// trains from images (and mirrors them: <c>--hflip</c>) in bounded memory. Each pair keeps only where its row is
/// (file, row group, row); a batch reads the two image columns of every row group it touches — once: the other side of
/// the batch, and later batches, find the row group among the last ones read (at most <see cref="CacheBytes"/> of encoded
/// images, and at least one row group) — then decodes, resizes and centre-crops just its rows as <c>PairSet.From</c>
/// does. An image that cannot be decoded stops the batch with its file, row group, row and column. Safe to call from
/// several threads (one at a time).
/// </summary>
public sealed class ShardImages
{
    /// <summary>Encoded bytes of the row groups kept between batches by default (Pick-a-Pic v2: a few row groups).</summary>
    public const long DefaultCacheBytes = 1L << 30;

    /// <summary>Shard files kept open at once; the least recently read is closed beyond that.</summary>
    const int OpenFiles = 8;

    readonly string[] files;
    readonly int[] file, group, groupRow;
    readonly long[] fileRow;
    readonly bool[] winnerIsImage0;
    readonly int resolution;
    readonly Lock gate = new();
    readonly LinkedList<(int File, PickapicReader Reader)> readers = new();
    readonly LinkedList<CachedGroup> cache = new();
    long cachedBytes;
    int owners;

    sealed record CachedGroup(int File, int Group, byte[]?[] Jpg0, byte[]?[] Jpg1, long Bytes);

    /// <param name="pairs">Non-tie rows read from shards (their images need not have been read), in the set's order.</param>
    /// <param name="resolution">Side every image is resized (shorter side, bilinear) and centre-cropped to.</param>
    public ShardImages(IReadOnlyList<EncodedPair> pairs, int resolution, long cacheBytes = DefaultCacheBytes)
    {
        if (pairs.FirstOrDefault(p => p.IsTie) is { } tie) throw new ArgumentException($"Row {tie.FileRowIndex} of {tie.File} is a tie: image sets hold non-tie pairs only.", nameof(pairs));
        if (pairs.Any(p => p.File.Length == 0)) throw new ArgumentException("Streamed images need pairs read from shard files.", nameof(pairs));
        if (resolution < 1) throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "An image side of at least 1 pixel.");
        var paths = pairs.Select(p => Path.GetFullPath(p.File)).ToArray();
        files = paths.Distinct().ToArray();
        var index = files.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => x.i);
        file = paths.Select(p => index[p]).ToArray();
        group = pairs.Select(p => p.RowGroupIndex).ToArray();
        groupRow = pairs.Select(p => p.GroupRowIndex).ToArray();
        fileRow = pairs.Select(p => p.FileRowIndex).ToArray();
        winnerIsImage0 = pairs.Select(p => p.Label0 > p.Label1).ToArray();
        (this.resolution, CacheBytes) = (resolution, cacheBytes);
    }

    public int Count => file.Length;
    public long CacheBytes { get; }
    /// <summary>Encoded image bytes of the row groups held now.</summary>
    public long CachedBytes { get { lock (gate) return cachedBytes; } }
    /// <summary>Row groups read from disk so far (a measure of the I/O batches cost).</summary>
    public int RowGroupsRead { get; private set; }

    /// <summary>The human winners (or losers) as rows of a <see cref="PairRows"/>; the images stay readable while any side is undisposed.</summary>
    public PairRows Side(bool winners) => new(Owner(winners));

    IRowSource Owner(bool winners)
    {
        Interlocked.Increment(ref owners);
        return new View(this, winners);
    }

    /// <summary>The listed pairs' winners (or losers), uint8 (n, 3, resolution, resolution).</summary>
    public Tensor Read(IReadOnlyList<long> pairs, bool winners)
    {
        var size = 3 * resolution * resolution;
        var output = empty([pairs.Count, 3, resolution, resolution], ScalarType.Byte);
        try
        {
            lock (gate)
            {
                foreach (var rows in Enumerable.Range(0, pairs.Count).GroupBy(k => (file[pairs[k]], group[pairs[k]])))
                {
                    var columns = Group(rows.Key.Item1, rows.Key.Item2);
                    var slots = rows.ToArray();
                    Parallel.For(0, slots.Length, s =>
                    {
                        var p = (int)pairs[slots[s]];
                        var image0 = winners == winnerIsImage0[p];
                        var image = Decode(p, image0 ? columns.Jpg0 : columns.Jpg1, image0);
                        ImageTensors.ToPlanar(PilResize.Fit(image, resolution, InterpolationMode.Bilinear).Pixels, output.bytes.Slice(slots[s] * size, size));
                    });
                }
            }
            return output;
        }
        catch (AggregateException e) when (e.InnerExceptions.OfType<PreferenceDataException>().FirstOrDefault() is { } problem)
        {
            output.Dispose();
            throw problem;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    RgbImage Decode(int p, byte[]?[] column, bool image0) =>
        ImageCodec.TryDecode(column[groupRow[p]] ?? [])
        ?? throw new PreferenceDataException(files[file[p]], group[p], fileRow[p], image0 ? PickapicColumns.Jpg0.Name : PickapicColumns.Jpg1.Name,
            "image bytes could not be decoded as PNG or JPEG (streamed images are decoded only when a batch reads them, so --skip-bad-rows cannot leave the pair out)");

    /// <summary>The image columns of a row group: from the cache, or read (evicting the least recently used beyond <see cref="CacheBytes"/>).</summary>
    CachedGroup Group(int f, int g)
    {
        for (var node = cache.First; node is not null; node = node.Next)
            if (node.Value.File == f && node.Value.Group == g)
            {
                cache.Remove(node);
                cache.AddFirst(node);
                return node.Value;
            }
        var reader = Reader(f);
        var (jpg0, jpg1) = Task.Run(() => reader.ReadImagesAsync(g, CancellationToken.None)).GetAwaiter().GetResult();
        RowGroupsRead++;
        var read = new CachedGroup(f, g, jpg0, jpg1, jpg0.Concat(jpg1).Sum(b => (long)(b?.Length ?? 0)));
        cache.AddFirst(read);
        cachedBytes += read.Bytes;
        while (cachedBytes > CacheBytes && cache.Count > 1)
        {
            cachedBytes -= cache.Last!.Value.Bytes;
            cache.RemoveLast();
        }
        return read;
    }

    PickapicReader Reader(int f)
    {
        for (var node = readers.First; node is not null; node = node.Next)
            if (node.Value.File == f)
            {
                readers.Remove(node);
                readers.AddFirst(node);
                return node.Value.Reader;
            }
        var reader = Task.Run(() => PickapicReader.OpenAsync(files[f])).GetAwaiter().GetResult();
        readers.AddFirst((f, reader));
        if (readers.Count > OpenFiles)
        {
            Close(readers.Last!.Value.Reader);
            readers.RemoveLast();
        }
        return reader;
    }

    static void Close(PickapicReader reader) => reader.DisposeAsync().AsTask().GetAwaiter().GetResult();

    void Release()
    {
        if (Interlocked.Decrement(ref owners) > 0) return;
        lock (gate)
        {
            foreach (var (_, reader) in readers) Close(reader);
            readers.Clear();
            cache.Clear();
            cachedBytes = 0;
        }
    }

    /// <summary>One side as an <see cref="IRowSource"/>; each view is one owner of the images.</summary>
    sealed class View(ShardImages images, bool winners) : IRowSource
    {
        int disposed;

        public long Count => images.Count;
        public long[] RowShape => [3, images.resolution, images.resolution];
        public Tensor Read(IReadOnlyList<long> rows) => images.Read(rows, winners);
        public IRowSource Share() => images.Owner(winners);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0) images.Release();
        }
    }
}
