namespace SemiDpo.Data;

/// <summary>A preference file that cannot be read as asked; the message names file, row group, row and column.</summary>
public sealed class PreferenceDataException : Exception
{
    public PreferenceDataException(string file, string message, Exception? inner = null)
        : base($"{file}: {message}", inner) => File = file;

    public PreferenceDataException(string file, int rowGroup, long row, string column, string reason)
        : base($"{file}: row group {rowGroup}, row {row}, column '{column}': {reason}")
        => (File, RowGroup, Row, Column, Reason) = (file, rowGroup, row, column, reason);

    public string File { get; }
    public int? RowGroup { get; }
    /// <summary>Row index within the whole file (0-based).</summary>
    public long? Row { get; }
    public string? Column { get; }
    public string? Reason { get; }
}

/// <summary>Rows left out by a reader told to skip bad rows: how many, and why.</summary>
public sealed class SkippedRows
{
    readonly Dictionary<string, int> byReason = [];
    readonly List<PreferenceDataException> examples = [];

    public int Count { get; private set; }
    public IReadOnlyDictionary<string, int> ByReason => byReason;
    /// <summary>The first few skipped rows, with their location.</summary>
    public IReadOnlyList<PreferenceDataException> Examples => examples;

    internal void Add(PreferenceDataException problem)
    {
        Count++;
        var key = $"{problem.Column}: {problem.Reason}";
        byReason[key] = byReason.GetValueOrDefault(key) + 1;
        if (examples.Count < 10) examples.Add(problem);
    }

    public override string ToString() =>
        Count == 0 ? "no rows skipped" : $"{Count} rows skipped: " + string.Join("; ", byReason.Select(kv => $"{kv.Value} × {kv.Key}"));
}
