using System.Text.Json;
using SemiDpo.Data;

namespace SemiDpo.Rewards;

/// <summary>Summary of a consensus split, written as filter-stats.json beside the split files.</summary>
public sealed record ConsensusStats(
    int Pairs, int Ties, int NonTie, int CleanTrain, int CleanTest, int Noisy, double CleanFraction,
    IReadOnlyDictionary<string, double> JudgeAgreesWithHuman,
    double? RawLabelAccuracy, double? CleanLabelAccuracy, double? NoisyLabelAccuracy);

/// <summary>The files Stage 1 hands to Stage 2: clean-train / clean-test / noisy parquet (Pick-a-Pic columns) and stats.</summary>
public sealed record ConsensusFiles(string Folder)
{
    public string CleanTrain => Path.Combine(Folder, "clean-train.parquet");
    public string CleanTest => Path.Combine(Folder, "clean-test.parquet");
    public string Noisy => Path.Combine(Folder, "noisy.parquet");
    public string Stats => Path.Combine(Folder, "filter-stats.json");
    public string Scores => Path.Combine(Folder, "scores.jsonl");

    public static ConsensusStats Summarise(IReadOnlyList<PreferencePair> pairs, ConsensusSplit split)
    {
        var withTruth = pairs.All(p => p.Truth is not null);
        double? Accuracy(IEnumerable<int> rows) => withTruth ? ConsensusAblation.LabelAccuracy(pairs, rows) : null;
        return new ConsensusStats(pairs.Count, split.Ties, split.NonTie, split.CleanTrain.Length, split.CleanTest.Length, split.Noisy.Length,
            split.CleanFraction, split.JudgeAgreesWithHuman,
            Accuracy(Enumerable.Range(0, pairs.Count)), Accuracy(split.Clean), Accuracy(split.Noisy));
    }

    /// <summary>Writes the three subsets (row groups of 2,048) and the stats json; returns the stats.</summary>
    public async Task<ConsensusStats> WriteAsync(IReadOnlyList<PreferencePair> pairs, ConsensusSplit split)
    {
        Directory.CreateDirectory(Folder);
        var withTruth = pairs.All(p => p.Truth is not null);
        await WriteSubset(CleanTrain, pairs, split.CleanTrain, withTruth);
        await WriteSubset(CleanTest, pairs, split.CleanTest, withTruth);
        await WriteSubset(Noisy, pairs, split.Noisy, withTruth);
        var stats = Summarise(pairs, split);
        await File.WriteAllTextAsync(Stats, JsonSerializer.Serialize(stats, new JsonSerializerOptions
        {
            WriteIndented = true,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
        return stats;
    }

    static async Task WriteSubset(string path, IReadOnlyList<PreferencePair> pairs, int[] rows, bool withTruth)
    {
        await using var stream = File.Create(path);
        await using var writer = await PickapicWriter.CreateAsync(stream, withTruth);
        foreach (var chunk in rows.Chunk(2048))
            await writer.WriteRowGroupAsync(chunk.Select(i => pairs[i]).ToList());
    }
}
