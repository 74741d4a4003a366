using SemiDpo.Data;
using SemiDpo.Diffusion;
using SemiDpo.Imaging;
using SemiDpo.Rewards;

namespace SemiDpo.Preferences;

/// <summary>The data of Stage 2: the clean split from the consensus filter and the unlabeled (noisy) pairs.</summary>
public sealed record StageTwoData(PairSet CleanTrain, PairSet CleanTest, PairSet Unlabeled) : IDisposable
{
    /// <summary>
    /// A set whose images at the resolution would take more than this (4 GiB: 2,730 pairs at 512²) streams them from its
    /// shards (<see cref="ShardImages"/>) instead of holding them.
    /// </summary>
    public const long InMemoryImageBytes = 4L << 30;

    /// <summary>
    /// Reads clean-train, clean-test and noisy parquet files written by <c>semidpo filter</c>; with a
    /// <paramref name="resolution"/>, images are resized (shorter side) and centre-cropped to it, as the official code does,
    /// and a set whose images would take more than <see cref="InMemoryImageBytes"/> (or every set, with
    /// <paramref name="streamImages"/> true) leaves them in the shards and reads them a batch at a time.
    /// </summary>
    /// <param name="skipped">With <paramref name="options"/> skipping bad rows: where the skipped rows are listed.</param>
    /// <param name="streamImages">True: stream every set's images; false: hold them; null: stream the sets too large to hold (needs a resolution).</param>
    public static async Task<StageTwoData> LoadAsync(ConsensusFiles files, IPromptTokenizer tokenizer, CancellationToken cancellation = default, int? resolution = null,
        PickapicReadOptions? options = null, SkippedRows? skipped = null, bool? streamImages = null)
    {
        foreach (var path in new[] { files.CleanTrain, files.CleanTest, files.Noisy })
            if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing: run `semidpo filter` first.", path);
        if (streamImages == true && resolution is null) throw new ArgumentException("Streamed images need a resolution to resize them to.", nameof(streamImages));
        async Task<PairSet> Read(string path)
        {
            var source = await PickapicShards.OpenAsync(path, options, cancellation);
            var stream = resolution is { } side && (streamImages ?? source.RowCount * 6L * side * side > InMemoryImageBytes);
            var set = stream
                ? await Streamed(source, path, resolution!.Value)
                : await Held(source, path);
            foreach (var row in source.Skipped.Rows) skipped?.Add(row);
            return set;
        }
        async Task<PairSet> Streamed(PickapicShards source, string path, int side)
        {
            var pairs = await source.ReadEncodedAsync(withImages: false, cancellation).Where(p => !p.IsTie).ToListAsync(cancellation);
            return pairs.Count == 0 ? throw new PreferenceDataException(path, "no non-tie pairs.") : PairSet.FromShards(pairs, tokenizer, side);
        }
        async Task<PairSet> Held(PickapicShards source, string path)
        {
            // Each image is resized as it is read: the decoded originals (Pick-a-Pic's are up to 1024²) are never all held.
            var pairs = await source.ReadPairsAsync(cancellation).Where(p => !p.IsTie)
                .Select(p => resolution is { } side ? p with { Image0 = Fit(p.Image0, side), Image1 = Fit(p.Image1, side) } : p).ToListAsync(cancellation);
            return pairs.Count == 0 ? throw new PreferenceDataException(path, "no non-tie pairs.") : PairSet.From(pairs, tokenizer, resolution);
        }
        return new StageTwoData(await Read(files.CleanTrain), await Read(files.CleanTest), await Read(files.Noisy));
    }

    static RgbImage Fit(RgbImage image, int side) => PilResize.Fit(image, side, TorchSharp.torch.InterpolationMode.Bilinear);

    /// <summary>The three sets of an in-memory consensus split (notebooks).</summary>
    public static StageTwoData FromSplit(IReadOnlyList<PreferencePair> pairs, ConsensusSplit split, IPromptTokenizer tokenizer)
    {
        if (split.CleanTrain.Length == 0) throw new ArgumentException("The consensus filter kept no clean training pair.", nameof(split));
        if (split.CleanTest.Length == 0) throw new ArgumentException("The clean test split is empty: raise the test fraction.", nameof(split));
        PairSet Of(int[] rows) => PairSet.From(rows.Select(i => pairs[i]).ToList(), tokenizer);
        return new StageTwoData(Of(split.CleanTrain), Of(split.CleanTest), Of(split.Noisy));
    }

    public void Dispose()
    {
        CleanTrain.Dispose();
        CleanTest.Dispose();
        Unlabeled.Dispose();
    }
}
