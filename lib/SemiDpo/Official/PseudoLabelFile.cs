using System.Text.Json;
using SemiDpo.IO;
using SemiDpo.Preferences;
using SemiDpo.Rewards;

namespace SemiDpo.Official;

/// <summary>
/// The official pseudo-label file (semi_dpo/build_pseudo_labels.py): <c>{"idx": {"timestep_50": +1|0|−1, …}}</c> —
/// +1 keeps the human winner in that interval, −1 swaps it, 0 leaves the interval unlabelled; pairs without a
/// non-zero label are absent. Maps to and from <see cref="PseudoLabels"/> (accepted / swap masks per pair).
/// </summary>
public static class PseudoLabelFile
{
    /// <summary>Writes the accepted pairs' labels (pair k of the masks is <paramref name="idx"/>[k]); clean pairs get +1 everywhere, as the official file lists them.</summary>
    public static void Write(string path, IReadOnlyList<long> idx, PseudoLabels labels, IEnumerable<long>? cleanIdx = null)
    {
        if (idx.Count != labels.Accepted.Length) throw new ArgumentException($"{idx.Count} idx for {labels.Accepted.Length} pairs.");
        var file = new SortedDictionary<long, Dictionary<string, int>>();
        for (var i = 0; i < idx.Count; i++)
            if (labels.Accepted[i] != 0)
                file[idx[i]] = Enumerable.Range(0, TimestepIntervals.Count).ToDictionary(ConfidenceFiles.Key,
                    j => (labels.Accepted[i] & (1 << j)) == 0 ? 0 : (labels.Swap[i] & (1 << j)) != 0 ? -1 : 1);
        foreach (var clean in cleanIdx ?? [])
            file[clean] = Enumerable.Range(0, TimestepIntervals.Count).ToDictionary(ConfidenceFiles.Key, _ => 1);
        AtomicFile.Write(path, s => JsonSerializer.Serialize(s, file.ToDictionary(p => p.Key.ToString(), p => p.Value)));
    }

    /// <summary>
    /// The labels of the listed pairs (pair k is <paramref name="idx"/>[k]) from a file written here or by the
    /// official code; a pair the file does not list is unlabelled everywhere.
    /// </summary>
    public static PseudoLabels Read(string path, IReadOnlyList<long> idx)
    {
        if (!File.Exists(path)) throw new ScoreFileException(path, 0, "file not found.");
        Dictionary<string, Dictionary<string, int>> file;
        try
        {
            file = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, int>>>(File.ReadAllText(path)) ?? [];
        }
        catch (JsonException)
        {
            throw new ScoreFileException(path, 0, "not a pseudo-label file {\"idx\": {\"timestep_50\": 1|0|-1, …}}.");
        }
        var accepted = new ushort[idx.Count];
        var swap = new ushort[idx.Count];
        for (var i = 0; i < idx.Count; i++)
        {
            if (!file.TryGetValue(idx[i].ToString(), out var row)) continue;
            for (var j = 0; j < TimestepIntervals.Count; j++)
            {
                var label = row.GetValueOrDefault(ConfidenceFiles.Key(j));
                if (label is < -1 or > 1) throw new ScoreFileException(path, 0, $"pair {idx[i]}: label {label} at {ConfidenceFiles.Key(j)} is not -1, 0 or 1.");
                if (label != 0) accepted[i] |= (ushort)(1 << j);
                if (label < 0) swap[i] |= (ushort)(1 << j);
            }
        }
        return new PseudoLabels(accepted, swap);
    }
}
