using SemiDpo.IO;

namespace SemiDpo.Data;

/// <summary>One row left out of a read: where it is and why.</summary>
public sealed record SkippedRow(string File, int RowGroup, long Row, string Column, string Reason)
{
    public static SkippedRow From(PreferenceDataException problem) =>
        new(problem.File, problem.RowGroup ?? -1, problem.Row ?? -1, problem.Column ?? "", problem.Reason ?? problem.Message);
}

/// <summary>
/// Rows left out by a reader: how many, why, and every one of them (file, row group, row, column, reason) for the side
/// file <see cref="WriteCsv"/> writes. Used both for bad rows skipped on request and for rows left out by design
/// (images not different, no human label).
/// </summary>
public sealed class SkippedRows
{
    readonly Dictionary<string, int> byReason = [];
    readonly List<SkippedRow> rows = [];

    public int Count => rows.Count;
    /// <summary>Counts keyed "column: reason".</summary>
    public IReadOnlyDictionary<string, int> ByReason => byReason;
    public IReadOnlyList<SkippedRow> Rows => rows;

    public void Add(SkippedRow row)
    {
        rows.Add(row);
        var key = $"{row.Column}: {row.Reason}";
        byReason[key] = byReason.GetValueOrDefault(key) + 1;
    }

    internal void Add(PreferenceDataException problem) => Add(SkippedRow.From(problem));

    /// <summary>Writes file,row_group,row,column,reason (one line per row; atomically).</summary>
    public void WriteCsv(string path) =>
        CsvFile.Write(path, ["file", "row_group", "row", "column", "reason"], rows.Select(r => new object?[] { r.File, r.RowGroup, r.Row, r.Column, r.Reason }));

    public override string ToString() =>
        Count == 0 ? "none" : $"{Count:N0} (" + string.Join("; ", byReason.Select(kv => $"{kv.Value:N0} × {kv.Key}")) + ")";
}
