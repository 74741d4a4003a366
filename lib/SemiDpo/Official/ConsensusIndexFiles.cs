using System.Text.Json;
using SemiDpo.IO;
using SemiDpo.Method;
using SemiDpo.Rewards;

namespace SemiDpo.Official;

/// <summary>
/// The official pipeline's Stage-1 output (semi_dpo/split_consensus.py): <c>clean_idx.json</c>, the idx of the clean
/// TRAIN pairs as a JSON list, and <c>stats.json</c> (criterion, reward models, sizes, each model's agreement with the
/// human label). Our idx is the pair's row in the scored file, as the official pipeline's <c>idx</c> column is.
/// </summary>
public static class ConsensusIndexFiles
{
    public const string CleanIdx = "clean_idx.json", Stats = "stats.json";

    /// <param name="rows">Each split position's row in the scored source (the pair's <c>Row</c>), which is what clean_idx.json lists.</param>
    public static void Write(string folder, ConsensusSplit split, IReadOnlyList<long> rows)
    {
        long[] clean = [.. split.CleanTrain.Select(i => rows[i])];
        AtomicFile.Write(Path.Combine(folder, CleanIdx), s => JsonSerializer.Serialize(s, clean));
        // The official README's per-iteration anchors: sorted(clean_idx) in np.array_split's three parts, part i-1 for Iter i.
        var sorted = clean.Order().ToArray();
        for (var part = 0; part < 3; part++)
            AtomicFile.Write(Path.Combine(folder, $"clean_idx_part{part}.json"), s => JsonSerializer.Serialize(s, sorted[CleanAnchorParts.Third(sorted.Length, part)]));
        var stats = new Dictionary<string, object>
        {
            ["criterion"] = "human_agree",
            ["reward_models"] = split.Judges,
            ["total"] = split.NonTie,
            ["clean"] = split.CleanTrain.Length + split.CleanTest.Length,
            ["clean_fraction"] = split.CleanFraction,
            ["clean_train"] = split.CleanTrain.Length,
            ["clean_test"] = split.CleanTest.Length,
            ["agreement_with_human"] = split.JudgeAgreesWithHuman,
        };
        AtomicFile.Write(Path.Combine(folder, Stats), s => JsonSerializer.Serialize(s, stats, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The idx list of a clean_idx.json (written here or by the official code).</summary>
    public static long[] ReadCleanIdx(string path)
    {
        if (!File.Exists(path)) throw new ScoreFileException(path, 0, "file not found.");
        try
        {
            return JsonSerializer.Deserialize<long[]>(File.ReadAllText(path)) ?? throw new JsonException("null");
        }
        catch (JsonException)
        {
            throw new ScoreFileException(path, 0, "not a JSON list of pair idx (clean_idx.json).");
        }
    }
}
