using System.Globalization;
using System.Text;
using System.Text.Json;
using SemiDpo.IO;
using SemiDpo.Method;
using SemiDpo.Preferences;
using SemiDpo.Rewards;

namespace SemiDpo.Official;

/// <summary>
/// The official confidence shards (semi_dpo/compute_confidence.py): <c>confidence_rank{r:03d}.jsonl</c>, one line per pair
/// <c>{"idx": i, "timestep_50": z, …, "timestep_950": z}</c> with z^(t) = β[(e_ref(w) − e_ref(l)) − (e_θ(w) − e_θ(l))] at the
/// ten anchors. Reading merges every shard of a folder; a pair in several shards keeps its last line (the official
/// reader's rule for padded distributed batches).
/// </summary>
public static class ConfidenceFiles
{
    public static string Key(int interval) => $"timestep_{TimestepIntervals.Anchor(interval)}";

    /// <summary>Writes the rows of <paramref name="table"/> with their idx (pair k of the table is <paramref name="idx"/>[k]).</summary>
    public static void Write(string path, IReadOnlyList<long> idx, ConfidenceTable table)
    {
        if (idx.Count != table.Pairs) throw new ArgumentException($"{idx.Count} idx for {table.Pairs} pairs.");
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false));
            for (var i = 0; i < table.Pairs; i++)
            {
                var line = new StringBuilder($"{{\"idx\": {idx[i]}");
                for (var j = 0; j < TimestepIntervals.Count; j++)
                    // The float32 value exactly, as Python writes float(tensor.item()): the official summary of our file is ours.
                    line.Append(CultureInfo.InvariantCulture, $", \"{Key(j)}\": {((double)table.Z[i, j]).ToString("R", CultureInfo.InvariantCulture)}");
                writer.Write(line.Append("}\n"));
            }
        });
    }

    /// <summary>Every pair's ten z values by idx, merged from the confidence_rank*.jsonl shards of <paramref name="folder"/>.</summary>
    public static SortedDictionary<long, float[]> Read(string folder)
    {
        var shards = Directory.Exists(folder) ? Directory.GetFiles(folder, "confidence_rank*.jsonl").Order(StringComparer.Ordinal).ToList() : [];
        if (shards.Count == 0) throw new ScoreFileException(folder, 0, "no confidence_rank*.jsonl shards here.");
        var rows = new SortedDictionary<long, float[]>();
        foreach (var shard in shards)
        {
            var lineNumber = 0;
            foreach (var line in File.ReadLines(shard))
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                try
                {
                    using var json = JsonDocument.Parse(line);
                    var z = new float[TimestepIntervals.Count];
                    for (var j = 0; j < z.Length; j++) z[j] = (float)json.RootElement.GetProperty(Key(j)).GetDouble();
                    if (z.Any(v => !float.IsFinite(v))) throw new ScoreFileException(shard, lineNumber, "a z value is not finite.");
                    rows[json.RootElement.GetProperty("idx").GetInt64()] = z;
                }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    throw new ScoreFileException(shard, lineNumber, "not a confidence line {\"idx\": i, \"timestep_50\": z, …, \"timestep_950\": z}.");
                }
            }
        }
        return rows;
    }

    /// <summary>The table of the listed pairs (in that order) from merged shards; a missing pair is named.</summary>
    public static ConfidenceTable Table(SortedDictionary<long, float[]> rows, IReadOnlyList<long> idx, string folder)
    {
        var z = new float[idx.Count, TimestepIntervals.Count];
        for (var i = 0; i < idx.Count; i++)
        {
            if (!rows.TryGetValue(idx[i], out var values)) throw new ScoreFileException(folder, 0, $"no confidence for pair idx {idx[i]}.");
            for (var j = 0; j < values.Length; j++) z[i, j] = values[j];
        }
        return new ConfidenceTable(z);
    }
}
