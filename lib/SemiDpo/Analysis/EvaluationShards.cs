using System.Text;
using System.Text.Json;
using SemiDpo.IO;

namespace SemiDpo.Analysis;

/// <summary>One evaluated image: which model, which prompt (its index in the prompt list) and each judge's score.</summary>
public sealed record PromptScore(string Model, int Prompt, IReadOnlyDictionary<string, double> Scores);

/// <summary>
/// The per-shard files of a sharded evaluation, <c>eval_rank{r:03d}.jsonl</c>: one line per (model, prompt),
/// <c>{"model": "…", "prompt": i, "scores": {"judge": s, …}}</c>, written atomically when the shard is done; reading
/// merges every shard of a folder into one <see cref="ImageSetScores"/> per model, naming a prompt no shard scored.
/// </summary>
public static class EvaluationShards
{
    public static void Write(string path, IEnumerable<PromptScore> rows) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false));
            foreach (var row in rows)
                writer.Write(JsonSerializer.Serialize(new { model = row.Model, prompt = row.Prompt, scores = row.Scores }) + "\n");
        });

    /// <summary>The rows of the shards' files.</summary>
    public static IEnumerable<PromptScore> Read(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            var lineNumber = 0;
            foreach (var line in File.ReadLines(file))
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                PromptScore row;
                try
                {
                    using var json = JsonDocument.Parse(line);
                    var scores = json.RootElement.GetProperty("scores").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
                    row = new PromptScore(json.RootElement.GetProperty("model").GetString()!, json.RootElement.GetProperty("prompt").GetInt32(), scores);
                }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    throw new FormatException($"{file}, line {lineNumber}: not an evaluation line {{\"model\": …, \"prompt\": i, \"scores\": {{…}}}}.");
                }
                yield return row;
            }
        }
    }

    /// <summary>
    /// One <see cref="ImageSetScores"/> per model (in <paramref name="models"/> order) over all <paramref name="prompts"/>
    /// from the rows of every shard; a prompt or metric no row gave is named.
    /// </summary>
    public static IReadOnlyList<ImageSetScores> Merge(IEnumerable<PromptScore> rows, IReadOnlyList<string> models, IReadOnlyList<string> prompts, IReadOnlyList<string> metrics)
    {
        var values = models.ToDictionary(m => m, _ => metrics.ToDictionary(j => j, _ => Enumerable.Repeat(double.NaN, prompts.Count).ToArray()));
        foreach (var row in rows)
        {
            if (!values.TryGetValue(row.Model, out var byMetric) || row.Prompt < 0 || row.Prompt >= prompts.Count)
                throw new FormatException($"model '{row.Model}', prompt {row.Prompt} is not part of this evaluation.");
            foreach (var metric in metrics)
                byMetric[metric][row.Prompt] = row.Scores.TryGetValue(metric, out var v) ? v : throw new FormatException($"model '{row.Model}', prompt {row.Prompt}: no {metric} score.");
        }
        return models.Select(model =>
        {
            var missing = Enumerable.Range(0, prompts.Count).FirstOrDefault(p => double.IsNaN(values[model][metrics[0]][p]), -1);
            if (missing >= 0) throw new FormatException($"no shard scored prompt {missing} ('{prompts[missing]}') for {model}.");
            return new ImageSetScores(model, prompts, metrics, values[model].ToDictionary(p => p.Key, p => p.Value));
        }).ToList();
    }
}
