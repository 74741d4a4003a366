using Parquet;

namespace SemiDpo.Data;

/// <summary>
/// Evaluation prompts supplied by the user (Pick-a-Pic test captions, HPDv2, PartiPrompts): a text file with one prompt
/// per line, or a column of a parquet file; blank lines and repeats are dropped, order kept.
/// </summary>
public static class PromptFile
{
    public static async Task<List<string>> ReadAsync(string path, string column = "caption", CancellationToken cancellation = default)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such prompt file.", path);
        IEnumerable<string?> prompts;
        if (!path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)) prompts = await File.ReadAllLinesAsync(path, cancellation);
        else
        {
            await using var stream = File.OpenRead(path);
            if (ParquetFooterCheck.Problem(stream) is { } problem) throw new PreferenceDataException(path, $"not a readable parquet file: {problem}.");
            await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellation);
            var field = reader.Schema.DataFields.FirstOrDefault(f => f.Name == column)
                ?? throw new PreferenceDataException(path, $"no column '{column}' (columns: {string.Join(", ", reader.Schema.DataFields.Select(f => f.Name))}).");
            var values = new List<string?>();
            if (field.ClrType != typeof(string)) throw new PreferenceDataException(path, $"column '{column}' holds {field.ClrType.Name}, not text.");
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var chunk = new string?[group.RowCount];
                await group.ReadAsync(field, chunk.AsMemory(), null, cancellation);
                values.AddRange(chunk);
            }
            prompts = values;
        }
        var kept = prompts.Select(p => p?.Trim()).OfType<string>().Where(p => p.Length > 0).Distinct().ToList();
        return kept.Count > 0 ? kept : throw new PreferenceDataException(path, "no prompts.");
    }
}
