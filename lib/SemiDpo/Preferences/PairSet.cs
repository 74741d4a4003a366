using SemiDpo.Data;
using SemiDpo.Diffusion;
using SemiDpo.Imaging;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Preferences;

/// <summary>
/// Non-tie preference pairs held as tensors for training: images as bytes (N, 3, H, W) — or, read from a latent cache,
/// their VAE latent distributions already in the model's training space — oriented so that index 0 is the HUMAN
/// winner; caption tokens; and, in the miniature world, whether the human winner is the true winner. Ties are dropped
/// (as the paper does). Kept on the CPU — a latent cache stays mapped from its files, read a batch at a time — and
/// batches move to the model's device.
/// </summary>
public sealed class PairSet : IDisposable
{
    readonly (PairRows Winners, PairRows Losers)? latentStd;
    readonly MirroredLatents? mirrored;

    PairSet(PairRows winners, PairRows losers, Tensor tokens, bool[]? humanIsTrue, string[] captions, long[] rows, (string Winner, string Loser)[] imageUids,
        double[][]? truthGaps = null, bool latent = false, (PairRows Winners, PairRows Losers)? latentStd = null, MirroredLatents? mirrored = null)
    {
        this.mirrored = mirrored;
        Rows = rows;
        ImageUids = imageUids;
        IsLatent = latent;
        this.latentStd = latentStd;
        TruthGaps = truthGaps;
        Winners = winners;
        Losers = losers;
        Tokens = tokens;
        HumanIsTrue = humanIsTrue;
        Captions = captions;
    }

    /// <summary>Human winners, uint8 (N, 3, H, W); latent sets: the latents' means in the training space (N, C, h, w).</summary>
    public PairRows Winners { get; }
    /// <summary>Human losers, as <see cref="Winners"/>.</summary>
    public PairRows Losers { get; }
    /// <summary>True when the set holds cached latents (training space) rather than pixels.</summary>
    public bool IsLatent { get; }
    /// <summary>Can batches mirror pairs: an image set, or cached latents with their mirrored images' (<see cref="MirroredLatents"/>).</summary>
    public bool CanMirror => !IsLatent || mirrored is not null;
    /// <summary>True when the images are read from their shards a batch at a time (<see cref="FromShards"/>) rather than held.</summary>
    public bool StreamsImages => Winners.IsStreamed;
    /// <summary>Caption token ids (N, L).</summary>
    public Tensor Tokens { get; }
    /// <summary>Per pair: does the human label agree with the world's true preference? Null without ground truth.</summary>
    public bool[]? HumanIsTrue { get; }
    public string[] Captions { get; }
    /// <summary>Each pair's row in its source (the official pipeline's idx; −1 for pairs not read from a file).</summary>
    public long[] Rows { get; }

    /// <summary>Each pair's image uids, human winner first (Pick-a-Pic's image_0_uid/image_1_uid; "" when unknown): the same image in several pairs shares one.</summary>
    public (string Winner, string Loser)[] ImageUids { get; }

    /// <summary>
    /// Per pair (world only): oracle gaps winner − loser of the human orientation, as [alignment, aesthetics, detail,
    /// true utility]; null without ground truth.
    /// </summary>
    public double[][]? TruthGaps { get; }

    public static IReadOnlyList<string> TruthDimensions { get; } = ["alignment", "aesthetics", "detail", "true utility"];
    public int Count => Captions.Length;

    /// <summary>
    /// The non-tie pairs as tensors. With <paramref name="resolution"/>, every image is resized (shorter side, PIL's
    /// bilinear) and centre-cropped to resolution² as the official training transforms do, so images of any sizes
    /// (Pick-a-Pic's) fit; without it all images must share the first one's size.
    /// </summary>
    public static PairSet From(IReadOnlyList<PreferencePair> pairs, IPromptTokenizer tokenizer, int? resolution = null) =>
        From(pairs, tokenizer, resolution, ChunkBytes);

    /// <param name="chunkBytes">Bytes of images per chunk (tests use small chunks to cross chunk boundaries).</param>
    internal static PairSet From(IReadOnlyList<PreferencePair> pairs, IPromptTokenizer tokenizer, int? resolution, int chunkBytes)
    {
        var kept = pairs.Where(p => !p.IsTie).ToList();
        if (kept.Count == 0) throw new ArgumentException("No non-tie pairs.", nameof(pairs));
        var (h, w) = resolution is { } side ? (side, side) : (kept[0].Image0.Height, kept[0].Image0.Width);
        RgbImage Fit(RgbImage image) => resolution is { } r ? PilResize.Fit(image, r, TorchSharp.torch.InterpolationMode.Bilinear) : image;
        var odd = resolution is null ? kept.FindIndex(p => p.Image0.Width != w || p.Image0.Height != h || p.Image1.Width != w || p.Image1.Height != h) : -1;
        if (odd >= 0)
            throw new ArgumentException($"Pair {odd} has a {kept[odd].Image0.Width}×{kept[odd].Image0.Height} / {kept[odd].Image1.Width}×{kept[odd].Image1.Height} image, the first is {w}×{h}: give a resolution to resize and crop every image to.", nameof(pairs));
        // Chunks of at most ChunkBytes, written straight into the tensors' memory: .NET arrays and spans stop at 2 GB
        // (≈ 2,700 pairs at 512²), a pair set does not.
        var size = 3 * h * w;
        var perChunk = Math.Max(1, chunkBytes / size);
        var winners = new List<Tensor>();
        var losers = new List<Tensor>();
        for (var start = 0; start < kept.Count; start += perChunk)
        {
            var n = Math.Min(perChunk, kept.Count - start);
            var (win, lose) = (empty([n, 3, h, w], ScalarType.Byte), empty([n, 3, h, w], ScalarType.Byte));
            winners.Add(win);
            losers.Add(lose);
            var first = start;
            Parallel.For(0, n, i =>
            {
                var p = kept[first + i];
                var (w0, l0) = p.HumanPreference > 0 ? (p.Image0, p.Image1) : (p.Image1, p.Image0);
                ImageTensors.ToPlanar(Fit(w0).Pixels, win.bytes.Slice(i * size, size));
                ImageTensors.ToPlanar(Fit(l0).Pixels, lose.bytes.Slice(i * size, size));
            });
        }
        var (tokens, truth, gaps) = Labels(kept.Select(p => (p.Caption, p.HumanPreference, p.Truth)).ToList(), tokenizer);
        return new PairSet(new PairRows(winners), new PairRows(losers), tokens, truth, kept.Select(p => p.Caption).ToArray(),
            kept.Select(p => p.Row).ToArray(), kept.Select(p => OrientedUids(p.HumanPreference, p.Metadata)).ToArray(), gaps);
    }

    static (string Winner, string Loser) OrientedUids(int humanPreference, PairMetadata metadata) =>
        humanPreference > 0 ? (metadata.Image0Uid, metadata.Image1Uid) : (metadata.Image1Uid, metadata.Image0Uid);

    /// <summary>Token ids, and (world) whether the human winner is the true one and the oriented oracle gaps, of non-tie pairs.</summary>
    static (Tensor Tokens, bool[]? HumanIsTrue, double[][]? Gaps) Labels(IReadOnlyList<(string Caption, int HumanPreference, GroundTruth? Truth)> pairs, IPromptTokenizer tokenizer)
    {
        var tokens = tensor(pairs.SelectMany(p => tokenizer.Encode(p.Caption)).ToArray(), [pairs.Count, tokenizer.MaxLength]);
        if (pairs.Any(p => p.Truth is null)) return (tokens, null, null);
        var truth = pairs.Select(p => LabelIsTrue(p.HumanPreference, p.Truth!)).ToArray();
        var gaps = pairs.Select(p =>
        {
            var (a, b) = (p.Truth!.Image0, p.Truth.Image1);
            return new[] { a.Alignment - b.Alignment, a.Aesthetics - b.Aesthetics, a.Detail - b.Detail, p.Truth.Utility0 - p.Truth.Utility1 }
                .Select(d => p.HumanPreference * d).ToArray();
        }).ToArray();
        return (tokens, truth, gaps);
    }

    /// <summary>Does the human label (+1: image 0 won, −1: image 1) agree with the world's true preference?</summary>
    public static bool LabelIsTrue(int humanPreference, GroundTruth truth) => Math.Sign(truth.Utility0 - truth.Utility1) == humanPreference;

    /// <summary>As <see cref="LabelIsTrue(int, GroundTruth)"/> for a row's two label columns.</summary>
    public static bool LabelIsTrue(double label0, double label1, GroundTruth truth) => LabelIsTrue(Math.Sign(label0 - label1), truth);

    /// <summary>Bytes of one chunk of images (1 GiB: 1,365 pairs' images at 512²).</summary>
    internal const int ChunkBytes = 1 << 30;

    /// <summary>
    /// The non-tie <paramref name="pairs"/> (rows read from shards, without their images) with their images left in the
    /// shards and read a batch at a time (<see cref="ShardImages"/>), resized and centre-cropped to
    /// <paramref name="resolution"/>²: a set of any size in bounded memory.
    /// </summary>
    public static PairSet FromShards(IReadOnlyList<EncodedPair> pairs, IPromptTokenizer tokenizer, int resolution, long cacheBytes = ShardImages.DefaultCacheBytes)
    {
        if (pairs.Count == 0) throw new ArgumentException("No non-tie pairs.", nameof(pairs));
        var images = new ShardImages(pairs, resolution, cacheBytes);
        return FromEncoded(pairs, tokenizer, images.Side(winners: true), images.Side(winners: false));
    }

    /// <summary>
    /// Latent pairs from a cache (see <c>LatentCache</c>): the non-tie <paramref name="pairs"/> (read without their
    /// images) with their human winners' and losers' latent means in the training space, and the standard deviations
    /// when each batch should draw a fresh sample as the uncached path does. The set owns the rows (mapped chunks or
    /// tensors) and disposes them. <paramref name="mirrored"/>: the latents of the mirrored images, for flips.
    /// </summary>
    public static PairSet FromLatents(IReadOnlyList<EncodedPair> pairs, IPromptTokenizer tokenizer, PairRows winnerMean, PairRows loserMean, (PairRows Winners, PairRows Losers)? std,
        MirroredLatents? mirrored = null)
    {
        if (pairs.Any(p => p.IsTie)) throw new ArgumentException("Latent pair sets hold non-tie pairs only.", nameof(pairs));
        if (new[] { winnerMean, loserMean, std?.Winners, std?.Losers, mirrored?.Winners, mirrored?.Losers, mirrored?.Std?.Winners, mirrored?.Std?.Losers }
            .Any(r => r is not null && r.Count != pairs.Count))
            throw new ArgumentException($"{pairs.Count} pairs but {winnerMean.Count} / {loserMean.Count} cached latents.");
        return FromEncoded(pairs, tokenizer, winnerMean, loserMean, latent: true, std, mirrored);
    }

    /// <summary>A set of rows read without their images (non-tie, in the set's order) whose winners and losers are <paramref name="winners"/> and <paramref name="losers"/>.</summary>
    static PairSet FromEncoded(IReadOnlyList<EncodedPair> pairs, IPromptTokenizer tokenizer, PairRows winners, PairRows losers, bool latent = false,
        (PairRows Winners, PairRows Losers)? std = null, MirroredLatents? mirrored = null)
    {
        var preferences = pairs.Select(p => Math.Sign(p.Label0 - p.Label1)).ToArray();
        var (tokens, truth, gaps) = Labels(pairs.Select((p, i) => (p.Caption, preferences[i], p.Truth)).ToList(), tokenizer);
        return new PairSet(winners, losers, tokens, truth, pairs.Select(p => p.Caption).ToArray(), pairs.Select(p => p.Row).ToArray(),
            pairs.Select((p, i) => OrientedUids(preferences[i], p.Metadata)).ToArray(), gaps, latent, std, mirrored);
    }

    /// <summary>
    /// Like <see cref="Batch(Tensor, Device, Generator?, bool[])"/>, but a latent pair's draw comes from its own generator seeded
    /// by (<paramref name="seed"/>, pair index): a pair gets the same x_0 in any batch, run or process (confidence,
    /// gradient analysis). Image sets and latent means have nothing to draw.
    /// </summary>
    public (Tensor Winners, Tensor Losers, Tensor Tokens) Batch(IReadOnlyList<int> indices, Device device, int seed)
    {
        if (latentStd is null) return Batch(tensor(indices.Select(i => (long)i).ToArray()), device);
        var parts = indices.Select(i =>
        {
            using var generator = new Generator((ulong)(uint)StableHash.Mix(StableHash.Mix(seed, 0x1A7E), i));
            return Batch(tensor(new[] { (long)i }), device, generator);
        }).ToList();
        return (cat(parts.Select(p => p.Winners).ToList(), 0), cat(parts.Select(p => p.Losers).ToList(), 0), cat(parts.Select(p => p.Tokens).ToList(), 0));
    }

    /// <summary>
    /// The given pairs on <paramref name="device"/>: images as floats in −1…1, or — latent sets — x_0 in the training
    /// space (the mean, or a draw mean + std·ε from <paramref name="generator"/>, or torch's global generator without one);
    /// (winners, losers, tokens). <paramref name="mirror"/> (one flag per index): those pairs' two images mirrored
    /// left–right together — the pixels flipped, or the cached latents of the mirrored images (<see cref="CanMirror"/>).
    /// </summary>
    public (Tensor Winners, Tensor Losers, Tensor Tokens) Batch(Tensor indices, Device device, Generator? generator = null, bool[]? mirror = null)
    {
        if (mirror is not null && mirror.Length != indices.shape[0]) throw new ArgumentException($"{mirror.Length} mirror flags for {indices.shape[0]} pairs.", nameof(mirror));
        var mirrors = mirror is not null && mirror.Any(m => m);
        if (mirrors && !CanMirror)
            throw new InvalidOperationException("These pairs are cached latents of unmirrored images: encode the cache with `semidpo latents --hflip` to train with flips.");
        using var across = mirrors ? tensor(mirror!, device: device).view(-1, 1, 1, 1) : null;
        var tokens = Tokens.index_select(0, indices).to(device);
        if (!IsLatent)
        {
            var (w, l) = (ToFloat(Winners.Select(indices), device), ToFloat(Losers.Select(indices), device));
            return across is null ? (w, l, tokens) : (where(across, w.flip(-1), w), where(across, l.flip(-1), l), tokens);
        }
        Tensor Rows(PairRows rows, PairRows? mirroredRows)
        {
            var plain = rows.Select(indices).to(device).to_type(ScalarType.Float32);
            return across is null ? plain : where(across, mirroredRows!.Select(indices).to(device).to_type(ScalarType.Float32), plain);
        }
        Tensor Draw(PairRows mean, PairRows? std, PairRows? mirroredMean, PairRows? mirroredStd)
        {
            var m = Rows(mean, mirroredMean);
            return std is null ? m : m + Rows(std, mirroredStd) * Noise.Like(m, generator);
        }
        return (Draw(Winners, latentStd?.Winners, mirrored?.Winners, mirrored?.Std?.Winners),
            Draw(Losers, latentStd?.Losers, mirrored?.Losers, mirrored?.Std?.Losers), tokens);
    }

    /// <summary>
    /// Draws from <paramref name="generator"/> exactly what <see cref="Batch(Tensor, Device, Generator?, bool[])"/> of
    /// <paramref name="count"/> pairs draws, reading nothing: a data-parallel rank passes over another rank's micro-batch
    /// and its random stream stays one process's.
    /// </summary>
    public void SkipDraws(int count, Generator generator)
    {
        if (latentStd is null) return;
        for (var side = 0; side < 2; side++)
            Noise.Skip([count, .. ItemShape], ScalarType.Float32, generator);
    }

    /// <summary>The shape of one pair's image (3, H, W) or cached latent (C, h, w).</summary>
    public long[] ItemShape => Winners.Shape[1..];

    /// <summary>The human winners (or losers) of the listed pairs as RGB images, e.g. for the judges.</summary>
    public RgbImage[] Images(IReadOnlyList<int> indices, bool winners)
    {
        if (IsLatent) throw new InvalidOperationException("This pair set holds cached latents, not images.");
        using var scope = NewDisposeScope();
        var index = tensor(indices.Select(i => (long)i).ToArray());
        return ImageTensors.ToImages(ToFloat((winners ? Winners : Losers).Select(index), CPU));
    }

    /// <summary>
    /// A fixed random subset of <paramref name="count"/> pairs (the same for the same seed); its images or latents are
    /// this set's, listed rather than copied.
    /// </summary>
    public PairSet Subset(int count, int seed)
    {
        var chosen = Enumerable.Range(0, Count).ToArray();
        new Random(seed).Shuffle(chosen);
        chosen = chosen[..Math.Min(count, Count)];
        Array.Sort(chosen);
        var rows = chosen.Select(i => (long)i).ToArray();
        using var index = tensor(rows);
        PairRows Pick(PairRows side) => side.Pick(rows);
        return new PairSet(Pick(Winners), Pick(Losers), Tokens.index_select(0, index),
            HumanIsTrue is null ? null : chosen.Select(i => HumanIsTrue[i]).ToArray(), chosen.Select(i => Captions[i]).ToArray(), chosen.Select(i => Rows[i]).ToArray(),
            chosen.Select(i => ImageUids[i]).ToArray(), TruthGaps is null ? null : chosen.Select(i => TruthGaps[i]).ToArray(), IsLatent,
            latentStd is { } std ? (Pick(std.Winners), Pick(std.Losers)) : null, mirrored?.Pick(rows));
    }

    static Tensor ToFloat(Tensor bytes, Device device) => bytes.to(device).to_type(ScalarType.Float32) / 127.5f - 1f;

    public void Dispose()
    {
        Winners.Dispose();
        Losers.Dispose();
        Tokens.Dispose();
        latentStd?.Winners.Dispose();
        latentStd?.Losers.Dispose();
        mirrored?.Dispose();
    }
}
