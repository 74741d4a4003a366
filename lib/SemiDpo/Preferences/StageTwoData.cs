using SemiDpo.Data;
using SemiDpo.Diffusion;
using SemiDpo.Rewards;

namespace SemiDpo.Preferences;

/// <summary>The data of Stage 2: the clean split from the consensus filter and the unlabeled (noisy) pairs.</summary>
public sealed record StageTwoData(PairSet CleanTrain, PairSet CleanTest, PairSet Unlabeled) : IDisposable
{
    /// <summary>
    /// Reads clean-train, clean-test and noisy parquet files written by <c>semidpo filter</c>; with a
    /// <paramref name="resolution"/>, images are resized (shorter side) and centre-cropped to it, as the official code does.
    /// </summary>
    /// <param name="skipped">With <paramref name="options"/> skipping bad rows: where the skipped rows are listed.</param>
    public static async Task<StageTwoData> LoadAsync(ConsensusFiles files, IPromptTokenizer tokenizer, CancellationToken cancellation = default, int? resolution = null,
        PickapicReadOptions? options = null, SkippedRows? skipped = null)
    {
        foreach (var path in new[] { files.CleanTrain, files.CleanTest, files.Noisy })
            if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing: run `semidpo filter` first.", path);
        async Task<PairSet> Read(string path)
        {
            var source = await PickapicShards.OpenAsync(path, options, cancellation);
            var pairs = await source.ReadPairsAsync(cancellation).ToListAsync(cancellation);
            foreach (var row in source.Skipped.Rows) skipped?.Add(row);
            if (pairs.Count(p => !p.IsTie) == 0) throw new PreferenceDataException(path, "no non-tie pairs.");
            return PairSet.From(pairs, tokenizer, resolution);
        }
        return new StageTwoData(await Read(files.CleanTrain), await Read(files.CleanTest), await Read(files.Noisy));
    }

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
