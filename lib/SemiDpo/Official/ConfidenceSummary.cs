using System.Globalization;
using System.Text;
using System.Text.Json;
using SemiDpo.IO;
using SemiDpo.Method;
using SemiDpo.Preferences;

namespace SemiDpo.Official;

/// <summary>One anchor's row of the official summary.csv / summary.json.</summary>
/// <param name="Accuracy">Share of pairs with z &gt; 0: on clean test pairs, the implicit classifier's accuracy (Table 7).</param>
/// <param name="AbsPercentiles">|z| percentiles (numpy's linear interpolation) at <see cref="ConfidenceSummary.Percentiles"/>.</param>
public sealed record ConfidenceSummaryRow(int Timestep, int NumPairs, double Accuracy, double Mean, double Std, double[] AbsPercentiles);

/// <summary>
/// Per-timestep accuracy and |z| percentiles of a confidence table, as semi_dpo/summarize_confidence.py writes them
/// (summary.json: a list of rows; summary.csv: timestep, num_pairs, accuracy, mean, std, abs_p50 … abs_p90).
/// </summary>
public static class ConfidenceSummary
{
    public static IReadOnlyList<double> Percentiles { get; } = [50, 75, 80, 87.5, 90];

    public static List<ConfidenceSummaryRow> Summarize(ConfidenceTable table) =>
        Enumerable.Range(0, TimestepIntervals.Count).Select(j =>
        {
            var z = table.Interval(j).Select(v => (double)v).ToArray();
            var mean = z.Average();
            var std = Math.Sqrt(z.Sum(v => (v - mean) * (v - mean)) / z.Length);   // numpy's default (population)
            var magnitudes = z.Select(Math.Abs).Order().ToArray();
            return new ConfidenceSummaryRow(TimestepIntervals.Anchor(j), z.Length, z.Count(v => v > 0) / (double)z.Length, mean, std,
                Percentiles.Select(p => Percentile(magnitudes, p)).ToArray());
        }).ToList();

    /// <summary>numpy.percentile's default ("linear"): interpolate at rank p/100·(n−1) of the sorted values.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        var rank = p / 100 * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (rank - low) * (sorted[high] - sorted[low]);
    }

    static string Name(double p) => $"abs_p{p.ToString("G", CultureInfo.InvariantCulture)}";

    public static void Write(string folder, IReadOnlyList<ConfidenceSummaryRow> rows)
    {
        var json = rows.Select(r =>
        {
            var row = new Dictionary<string, object> { ["timestep"] = r.Timestep, ["num_pairs"] = r.NumPairs, ["accuracy"] = r.Accuracy, ["mean"] = r.Mean, ["std"] = r.Std };
            for (var k = 0; k < Percentiles.Count; k++) row[Name(Percentiles[k])] = r.AbsPercentiles[k];
            return row;
        }).ToList();
        AtomicFile.Write(Path.Combine(folder, "summary.json"), s => JsonSerializer.Serialize(s, json, new JsonSerializerOptions { WriteIndented = true }));
        AtomicFile.Write(Path.Combine(folder, "summary.csv"), stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false));
            writer.Write(string.Join(",", new[] { "timestep", "num_pairs", "accuracy", "mean", "std" }.Concat(Percentiles.Select(Name))) + "\r\n");
            foreach (var r in rows)
                writer.Write(string.Join(",", new object[] { r.Timestep, r.NumPairs, r.Accuracy, r.Mean, r.Std }.Concat(r.AbsPercentiles.Cast<object>())
                    .Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))) + "\r\n");
        });
    }
}
