using System.Globalization;
using System.Text.Json;
using SemiDpo.Data;
using SemiDpo.IO;
using SemiDpo.Preferences;
using SemiDpo.Rewards;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.StableDiffusion;

/// <summary>What a latent cache was encoded with; a cache is used only by the same VAE at the same resolution.</summary>
/// <param name="Vae">The VAE's config and the weight files' names and sizes.</param>
/// <param name="Pairs">Non-tie pairs per set (clean-train, clean-test, noisy).</param>
/// <param name="Mirrored">Each chunk also holds the latents of the mirrored images (<c>latents --hflip</c>), so flips train from it.</param>
public sealed record LatentCacheIndex(string Vae, int Resolution, int ChunkPairs, IReadOnlyDictionary<string, int> Pairs, bool Mirrored = false);

/// <summary>
/// Each image of the Stage-2 sets encoded once through the VAE (SD1.5 trains on latents, never JPEGs): per set, chunks
/// of <see cref="DefaultChunkPairs"/> non-tie pairs in file order, each a safetensors file <c>{set}.{chunk:00000}.safetensors</c>
/// holding the human winners' and losers' latent means and standard deviations × the scaling factor (float16), beside
/// the data in <c>latents/</c> — with <c>mirrored</c>, the same four of the images mirrored left–right too
/// (<see cref="MirroredSuffix"/>), which Diffusion-DPO's flip augmentation then draws from. Chunks are numbered across the three sets and chunk k belongs to shard k mod
/// world-size, so processes split the work; a chunk on disk
/// is complete (atomic write) and skipped on a rerun; <see cref="CompleteAsync"/> checks every chunk and writes index.json.
/// Training draws a fresh latent sample per batch from the cached distribution, as the uncached path draws one per encode.
/// The loaded sets stay mapped from the chunk files (read a batch at a time), so a cache of any size trains in bounded
/// memory: the OS keeps what fits in its file cache.
/// </summary>
public static class LatentCache
{
    public const string FolderName = "latents", IndexFile = "index.json";
    public const int DefaultChunkPairs = 256;

    /// <summary>Suffix of the mirrored images' tensors in a chunk (<c>winner_mean_mirrored</c>, …).</summary>
    public const string MirroredSuffix = "_mirrored";

    static readonly (string Name, Func<ConsensusFiles, string> Path)[] Sets =
        [("clean-train", f => f.CleanTrain), ("clean-test", f => f.CleanTest), ("noisy", f => f.Noisy)];

    public static string Folder(ConsensusFiles files) => Path.Combine(files.Folder, FolderName);

    static string ChunkPath(ConsensusFiles files, string set, int chunk) =>
        Path.Combine(Folder(files), string.Create(CultureInfo.InvariantCulture, $"{set}.{chunk:00000}.safetensors"));

    /// <summary>The VAE as the cache records it: its config and its weight files (names and sizes).</summary>
    public static string VaeFingerprint(StableDiffusionModel model)
    {
        var folder = Path.Combine(model.SourceFolder, "vae");
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(f => $"{Path.GetFileName(f)}:{new FileInfo(f).Length}");
        return $"{model.Vae.Config.ScalingFactor.ToString(CultureInfo.InvariantCulture)}|{string.Join(",", files)}";
    }

    /// <summary>
    /// Encodes the chunks this shard owns that are not on disk yet (with <paramref name="mirrored"/>, the mirrored
    /// images too); returns how many it wrote. A chunk on disk without the mirrored latents asked for is refused.
    /// </summary>
    public static async Task<int> EncodeAsync(StableDiffusionModel model, ConsensusFiles files, int resolution, Shard shard, int batch,
        int chunkPairs = DefaultChunkPairs, bool mirrored = false, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(Folder(files));
        var counts = await CountAsync(files, cancellation);
        var all = Sets.SelectMany(s => Enumerable.Range(0, Chunks(counts[s.Name], chunkPairs)).Select(c => (s.Name, c))).ToList();
        var owned = all.Where((_, k) => shard.Owns(k)).ToList();
        var todo = owned.Where(o => !File.Exists(ChunkPath(files, o.Name, o.c))).ToHashSet();
        if (mirrored) CheckMirrored(owned.Where(o => !todo.Contains(o)).Select(o => ChunkPath(files, o.Name, o.c)));
        var (done, written) = (owned.Count - todo.Count, 0);
        progress?.Report((done, owned.Count));
        foreach (var (set, path) in Sets)
        {
            var buffer = new List<EncodedPair>();
            var position = 0;
            var source = await PickapicShards.OpenAsync(path(files), cancellation: cancellation);
            await foreach (var pair in source.ReadEncodedAsync(withImages: true, cancellation))
            {
                if (pair.IsTie) continue;
                var chunk = position++ / chunkPairs;
                if (!todo.Contains((set, chunk))) continue;
                buffer.Add(pair);
                if (buffer.Count < chunkPairs && position < counts[set]) continue;
                WriteChunk(model, buffer, source.Files[0], resolution, batch, mirrored, ChunkPath(files, set, chunk));
                buffer.Clear();
                written++;
                progress?.Report((++done, owned.Count));
            }
        }
        return written;
    }

    /// <summary>
    /// Checks that every chunk of every set is on disk (with <paramref name="mirrored"/>, with the mirrored latents) and
    /// writes index.json (the merge step); names the first missing chunk. The index says the cache holds mirrored latents
    /// when every chunk does, whether or not this run asked for them (a plain re-run keeps a mirrored cache usable).
    /// </summary>
    public static async Task<LatentCacheIndex> CompleteAsync(StableDiffusionModel model, ConsensusFiles files, int resolution,
        int chunkPairs = DefaultChunkPairs, bool mirrored = false, CancellationToken cancellation = default)
    {
        var counts = await CountAsync(files, cancellation);
        var chunks = Sets.SelectMany(s => Enumerable.Range(0, Chunks(counts[s.Name], chunkPairs)).Select(c => ChunkPath(files, s.Name, c))).ToList();
        if (chunks.FirstOrDefault(c => !File.Exists(c)) is { } missing)
            throw new InvalidDataException($"{missing} is missing: its shard has not finished `semidpo latents`.");
        if (mirrored) CheckMirrored(chunks);
        var index = new LatentCacheIndex(VaeFingerprint(model), resolution, chunkPairs, counts, mirrored || chunks.All(HoldsMirrored));
        AtomicFile.Write(Path.Combine(Folder(files), IndexFile), s => JsonSerializer.Serialize(s, index, new JsonSerializerOptions { WriteIndented = true }));
        return index;
    }

    /// <summary>
    /// The Stage-2 sets from a complete cache, or null when there is none (or, with <paramref name="mirrored"/>, when it
    /// holds no mirrored latents); a cache of another VAE or resolution is an error. <paramref name="sample"/>: keep the
    /// standard deviations so that each batch draws a latent sample.
    /// </summary>
    public static async Task<StageTwoData?> TryLoadAsync(StableDiffusionModel model, ConsensusFiles files, int resolution, bool sample, bool mirrored = false,
        CancellationToken cancellation = default)
    {
        var indexPath = Path.Combine(Folder(files), IndexFile);
        if (!File.Exists(indexPath)) return null;
        var index = JsonSerializer.Deserialize<LatentCacheIndex>(File.ReadAllText(indexPath)) ?? throw new InvalidDataException($"{indexPath}: empty.");
        if (index.Vae != VaeFingerprint(model) || index.Resolution != resolution)
            throw new InvalidDataException($"{indexPath}: encoded by another VAE or at {index.Resolution}² (this run: {resolution}²); run `semidpo latents` again into a fresh folder.");
        if (mirrored && !index.Mirrored) return null;
        var sets = new List<PairSet>();
        foreach (var (set, path) in Sets)
        {
            var source = await PickapicShards.OpenAsync(path(files), cancellation: cancellation);
            var pairs = await source.ReadEncodedAsync(withImages: false, cancellation).Where(p => !p.IsTie).ToListAsync(cancellation);
            if (pairs.Count != index.Pairs[set]) throw new InvalidDataException($"{indexPath}: {index.Pairs[set]} {set} pairs cached, the data has {pairs.Count}.");
            if (pairs.Count == 0) throw new PreferenceDataException(path(files), "no non-tie pairs.");   // as StageTwoData.LoadAsync says it
            var chunks = Enumerable.Range(0, Chunks(pairs.Count, index.ChunkPairs)).Select(c => SafeTensors.Map(ChunkPath(files, set, c))).ToList();
            PairRows Rows(string name) => new(chunks.Select(c => c[name]).ToList());
            (PairRows, PairRows)? Std(string suffix) => sample ? (Rows("winner_std" + suffix), Rows("loser_std" + suffix)) : null;
            sets.Add(PairSet.FromLatents(pairs, model.Tokenizer, Rows("winner_mean"), Rows("loser_mean"), Std(""),
                mirrored ? new MirroredLatents(Rows("winner_mean" + MirroredSuffix), Rows("loser_mean" + MirroredSuffix), Std(MirroredSuffix)) : null));
            var unused = chunks.SelectMany(c => c.Where(t => !mirrored && t.Key.EndsWith(MirroredSuffix, StringComparison.Ordinal) || !sample && t.Key.Contains("_std")));
            foreach (var (_, t) in unused) t.Dispose();
        }
        return new StageTwoData(sets[0], sets[1], sets[2]);
    }

    static int Chunks(int pairs, int chunkPairs) => (pairs + chunkPairs - 1) / chunkPairs;

    static async Task<Dictionary<string, int>> CountAsync(ConsensusFiles files, CancellationToken cancellation)
    {
        var counts = new Dictionary<string, int>();
        foreach (var (set, path) in Sets)
        {
            var source = await PickapicShards.OpenAsync(path(files), cancellation: cancellation);
            counts[set] = await source.ReadEncodedAsync(withImages: false, cancellation).CountAsync(p => !p.IsTie, cancellation);
        }
        return counts;
    }

    /// <summary>Refuses chunks on disk that hold no mirrored latents (encoded without --hflip).</summary>
    static void CheckMirrored(IEnumerable<string> chunks)
    {
        if (chunks.FirstOrDefault(c => !HoldsMirrored(c)) is { } plain)
            throw new InvalidDataException($"{plain} holds no mirrored latents (encoded without --hflip): delete {Path.GetDirectoryName(plain)} and encode again with --hflip.");
    }

    static bool HoldsMirrored(string chunk) => SafeTensors.ReadHeader(chunk).Any(e => e.Name == "winner_mean" + MirroredSuffix);

    static void WriteChunk(StableDiffusionModel model, List<EncodedPair> pairs, string file, int resolution, int batch, bool mirrored, string path)
    {
        var decoded = pairs.Select(p => p.Decode(file)).ToList();
        using var scope = NewDisposeScope();
        using var set = PairSet.From(decoded, model.Tokenizer, resolution);
        var parts = new Dictionary<string, List<Tensor>>();
        for (var start = 0; start < set.Count; start += batch)
        {
            var (w, l, _) = set.Batch(arange(start, Math.Min(set.Count, start + batch), dtype: ScalarType.Int64), model.Device);
            var images = new List<(string Side, string Suffix, Tensor Pixels)> { ("winner", "", w), ("loser", "", l) };
            if (mirrored) images.AddRange([("winner", MirroredSuffix, w.flip(-1)), ("loser", MirroredSuffix, l.flip(-1))]);
            foreach (var (side, suffix, pixels) in images)
            {
                var (mean, std) = model.EncodeLatents(pixels);
                Add($"{side}_mean{suffix}", mean);
                Add($"{side}_std{suffix}", std);
            }
        }
        void Add(string key, Tensor latents)
        {
            if (!parts.TryGetValue(key, out var list)) parts[key] = list = [];
            list.Add(latents.to_type(ScalarType.Float16).cpu());
        }
        SafeTensors.Write(path, parts.ToDictionary(p => p.Key, p => cat(p.Value, 0)),
            new Dictionary<string, string> { ["resolution"] = resolution.ToString(CultureInfo.InvariantCulture), ["first_row"] = pairs[0].Row.ToString(CultureInfo.InvariantCulture) });
    }
}
