using System.Text.Json;
using SemiDpo.Data;
using SemiDpo.IO;

namespace SemiDpo.Rewards;

/// <summary>Summary of a consensus split, written as filter-stats.json beside the split files.</summary>
public sealed record ConsensusStats(
    int Pairs, int Ties, int NonTie, int CleanTrain, int CleanTest, int Noisy, double CleanFraction,
    IReadOnlyDictionary<string, double> JudgeAgreesWithHuman,
    double? RawLabelAccuracy, double? CleanLabelAccuracy, double? NoisyLabelAccuracy)
{
    /// <summary>Rows in the source, bad and excluded ones included (null when not read from files).</summary>
    public long? RowsRead { get; init; }
    /// <summary>Rows left out by design, by "column: reason" (images not different, no human label).</summary>
    public IReadOnlyDictionary<string, int>? ExcludedRows { get; init; }
    /// <summary>Bad rows skipped on request, by "column: reason" (listed one by one in skipped-rows.csv).</summary>
    public IReadOnlyDictionary<string, int>? SkippedRows { get; init; }
}

/// <summary>The files Stage 1 hands to Stage 2: clean-train / clean-test / noisy parquet (Pick-a-Pic columns) and stats.</summary>
public sealed record ConsensusFiles(string Folder)
{
    public string CleanTrain => Path.Combine(Folder, "clean-train.parquet");
    public string CleanTest => Path.Combine(Folder, "clean-test.parquet");
    public string Noisy => Path.Combine(Folder, "noisy.parquet");
    public string Stats => Path.Combine(Folder, "filter-stats.json");
    public string Scores => Path.Combine(Folder, "scores.jsonl");
    /// <summary>The rows left out (file, row group, row, column, reason), bad and excluded alike.</summary>
    public string SkippedRowsCsv => Path.Combine(Folder, "skipped-rows.csv");

    /// <summary>
    /// Rows per output row group, and the most image bytes one may hold: 32 MiB (≈ 27 Pick-a-Pic pairs), because a set
    /// that streams its images (<see cref="Preferences.ShardImages"/>) reads a whole row group's image columns for one pair.
    /// </summary>
    const int RowGroupRows = 2048;
    const long RowGroupBytes = 32L << 20;

    public static ConsensusStats Summarise(IReadOnlyList<PreferencePair> pairs, ConsensusSplit split) =>
        Summarise(pairs.Select(p => (sbyte)p.HumanPreference).ToArray(),
            pairs.All(p => p.Truth is not null) ? pairs.Select(p => (sbyte)p.Truth!.TruePreference).ToArray() : null, split);

    /// <summary>The stats from each pair's human preference and, for the world, its true preference (±1, 0 for equal).</summary>
    public static ConsensusStats Summarise(sbyte[] human, sbyte[]? truth, ConsensusSplit split)
    {
        double? Accuracy(IEnumerable<int> rows)
        {
            if (truth is null) return null;
            int right = 0, total = 0;
            foreach (var i in rows)
            {
                if (truth[i] == 0 || human[i] == 0) continue;
                total++;
                if (truth[i] == human[i]) right++;
            }
            return total == 0 ? double.NaN : (double)right / total;
        }
        return new ConsensusStats(split.NonTie + split.Ties, split.Ties, split.NonTie, split.CleanTrain.Length, split.CleanTest.Length, split.Noisy.Length,
            split.CleanFraction, split.JudgeAgreesWithHuman,
            Accuracy(split.Clean.Concat(split.Noisy)), Accuracy(split.Clean), Accuracy(split.Noisy));
    }

    /// <summary>Writes the three subsets of pairs held in memory and the stats json; returns the stats.</summary>
    public async Task<ConsensusStats> WriteAsync(IReadOnlyList<PreferencePair> pairs, ConsensusSplit split)
    {
        // Pairs read from a file keep their official idx; generated ones are numbered by the same rule (ties have none).
        var fromFile = pairs.All(p => p.IsTie || p.Row >= 0);
        var rows = new long[pairs.Count];
        long next = 0;
        for (var i = 0; i < rows.Length; i++) rows[i] = pairs[i].IsTie ? -1 : fromFile ? pairs[i].Row : next++;
        await WriteSubsetsAsync(pairs.Select((p, i) => EncodedPair.From(p) with { Row = rows[i] }).ToAsyncEnumerable(), pairs.All(p => p.Truth is not null),
            split, rows);
        var stats = Summarise(pairs, split);
        WriteStats(stats);
        return stats;
    }

    /// <summary>
    /// Copies each pair of <paramref name="source"/> into clean-train, clean-test or noisy without decoding its images;
    /// ties and rows the split does not know go nowhere. <paramref name="rows"/> maps the split's positions to official
    /// idx (ascending; −1 for a tie), so a second pass that skips a row the first kept cannot shift the others; each
    /// written pair keeps its idx in the idx column. Memory: one output row group per file. Each file appears under its
    /// name only when complete.
    /// </summary>
    public async Task WriteSubsetsAsync(IAsyncEnumerable<EncodedPair> source, bool withTruth, ConsensusSplit split, long[] rows, CancellationToken cancellation = default)
    {
        var positionOf = Enumerable.Range(0, rows.Length).Where(i => rows[i] >= 0).ToArray();
        long[] idx = [.. positionOf.Select(i => rows[i])];
        for (var i = 1; i < idx.Length; i++)
            if (idx[i] <= idx[i - 1]) throw new ArgumentException($"idx must be strictly ascending ({idx[i]} after {idx[i - 1]}).", nameof(rows));
        var subsetOf = new sbyte[rows.Length];
        foreach (var i in split.CleanTrain) subsetOf[i] = 1;
        foreach (var i in split.CleanTest) subsetOf[i] = 2;
        foreach (var i in split.Noisy) subsetOf[i] = 3;
        var outputs = new[] { CleanTrain, CleanTest, Noisy }.Select(AtomicFile.Begin).ToArray();
        try
        {
            var writers = new PickapicWriter[3];
            for (var k = 0; k < 3; k++) writers[k] = await PickapicWriter.CreateAsync(outputs[k].Stream, withTruth, withIdx: true);
            var buffers = new[] { new List<EncodedPair>(), new List<EncodedPair>(), new List<EncodedPair>() };
            var bytes = new long[3];
            async Task Flush(int k)
            {
                if (buffers[k].Count == 0) return;
                await writers[k].WriteRowGroupAsync(buffers[k]);
                buffers[k].Clear();
                bytes[k] = 0;
            }
            await foreach (var pair in source.WithCancellation(cancellation))
            {
                var found = pair.IsTie ? -1 : Array.BinarySearch(idx, pair.Row);
                var subset = found < 0 ? -1 : subsetOf[positionOf[found]] - 1;
                if (subset < 0) continue;
                buffers[subset].Add(pair);
                bytes[subset] += pair.Jpg0!.Length + pair.Jpg1!.Length;
                if (buffers[subset].Count == RowGroupRows || bytes[subset] >= RowGroupBytes) await Flush(subset);
            }
            for (var k = 0; k < 3; k++)
            {
                await Flush(k);
                await writers[k].DisposeAsync();
                await outputs[k].CommitAsync();
            }
        }
        finally
        {
            foreach (var output in outputs) await output.DisposeAsync();
        }
    }

    public void WriteStats(ConsensusStats stats)
    {
        Directory.CreateDirectory(Folder);
        AtomicFile.Write(Stats, stream => JsonSerializer.Serialize(stream, stats, new JsonSerializerOptions
        {
            WriteIndented = true,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
            DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        }));
    }
}
