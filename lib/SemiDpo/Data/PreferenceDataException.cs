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
