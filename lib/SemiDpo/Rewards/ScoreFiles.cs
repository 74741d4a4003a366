using SemiDpo.IO;
using System.Globalization;
using System.Text.Json;

namespace SemiDpo.Rewards;

/// <summary>A score file that cannot be used; the message names the file and line.</summary>
public sealed class ScoreFileException(string file, int line, string message)
    : Exception(line > 0 ? $"{file}, line {line}: {message}" : $"{file}: {message}")
{
    public string File { get; } = file;
    public int Line { get; } = line;
}

/// <summary>
/// Reads and writes pair scores computed elsewhere. The official Semi-DPO pipeline writes, per reward model, jsonl
/// lines <c>{"row": i, "&lt;model&gt;": [s0, s1]}</c>; several models may share a line or come in separate files. CSV
/// and parquet files use a <c>row</c> column and <c>&lt;model&gt;_0</c>, <c>&lt;model&gt;_1</c> columns (in parquet the
/// "line" of an error is the 1-based row of the file). Rows must cover 0…N−1 exactly.
/// </summary>
public static class ScoreFiles
{
    /// <summary>Writes one jsonl line per row with every judge's pair of scores (atomically); <paramref name="rows"/> names each line's row (default 0…N−1).</summary>
    public static void WriteJsonl(string path, ScoreTable scores, IReadOnlyList<long>? rows = null) => IO.AtomicFile.Write(path, stream =>
    {
        using var writer = new StreamWriter(stream);
        for (var i = 0; i < scores.Rows; i++)
            if (rows is null || rows[i] >= 0)   // a tie has no official idx: the official files never name it
                writer.WriteLine(ScoreJsonl.Line(rows?[i] ?? i, scores.Judges.Select((judge, k) => (judge, scores.Score0[k][i], scores.Score1[k][i]))));
    });

    /// <summary>
    /// The scores of the given rows (a pair's <c>Row</c>: official idx, ascending, −1 for a tie — ties are never scored
    /// and their scores stay 0), in that order, from one or more score files — a judge's rows may be spread over several
    /// (the shards <c>scores_rank*.jsonl</c>); rows not asked for are ignored (rows a reader skipped); a row scored twice
    /// by a judge, or asked for and not scored, is an error naming both.
    /// </summary>
    public static ScoreTable Read(IReadOnlyList<string> paths, long[] rows)
    {
        var positionOf = Enumerable.Range(0, rows.Length).Where(i => rows[i] >= 0).ToArray();
        long[] keys = [.. positionOf.Select(i => rows[i])];
        var judges = new List<string>();
        var s0 = new List<float[]>();
        var s1 = new List<float[]>();
        var seen = new List<bool[]>();
        foreach (var path in paths)
        {
            Stream(path, (judge, row, a, b, line) =>
            {
                var k = judges.IndexOf(judge);
                if (k < 0)
                {
                    k = judges.Count;
                    judges.Add(judge);
                    s0.Add(new float[rows.Length]);
                    s1.Add(new float[rows.Length]);
                    seen.Add(new bool[rows.Length]);
                }
                var found = Array.BinarySearch(keys, (long)row);
                if (found < 0) return;
                var i = positionOf[found];
                if (seen[k][i]) throw new ScoreFileException(path, line, $"row {row} of '{judge}' appears twice.");
                (seen[k][i], s0[k][i], s1[k][i]) = (true, a, b);
            });
        }
        if (judges.Count == 0) throw new ScoreFileException(string.Join(", ", paths), 0, "no judge scores found.");
        for (var k = 0; k < judges.Count; k++)
        {
            var missing = positionOf.FirstOrDefault(i => !seen[k][i], -1);
            if (missing >= 0) throw new ScoreFileException(string.Join(", ", paths), 0, $"judge '{judges[k]}' has no score for row {rows[missing]}.");
        }
        return new ScoreTable(judges, [.. s0], [.. s1]);
    }

    /// <summary>The largest row the files name (−1 for none): what <c>PickapicShards.CheckIdx</c> checks against the data.</summary>
    public static long LargestRow(IEnumerable<string> paths)
    {
        long largest = -1;
        foreach (var path in paths) Stream(path, (_, row, _, _, _) => largest = Math.Max(largest, row));
        return largest;
    }

    /// <summary>One score of a file: judge, pair row, both images' scores, and the 1-based line (parquet: row) it came from.</summary>
    public delegate void ScoreSink(string judge, int row, float score0, float score1, int line);

    /// <summary>
    /// Streams every score of one jsonl, CSV or parquet file (by extension) into <paramref name="sink"/> without holding
    /// the file: what a filter over a million pairs needs. Malformed lines and non-finite scores throw
    /// <see cref="ScoreFileException"/> naming the line.
    /// </summary>
    public static void Stream(string path, ScoreSink sink)
    {
        if (!System.IO.File.Exists(path)) throw new ScoreFileException(path, 0, "file not found.");
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".csv": StreamCsv(path, sink); break;
            case ".parquet": StreamParquet(path, sink); break;
            default: StreamJsonl(path, sink); break;
        }
    }

    /// <summary>
    /// The files that paths name, a path with * or ? in its file name standing for every match (in ordinal order);
    /// a pattern that matches nothing is an error.
    /// </summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths) => paths.SelectMany(path =>
    {
        var pattern = Path.GetFileName(path);
        if (pattern.IndexOfAny(['*', '?']) < 0) return [path];
        var folder = Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".";
        var found = Directory.Exists(folder) ? Directory.GetFiles(folder, pattern).Order(StringComparer.Ordinal).ToArray() : [];
        return found.Length > 0 ? found : throw new ScoreFileException(path, 0, "no score files match.");
    }).ToList();

    /// <summary>Reads one or more jsonl, CSV or parquet score files (by extension) and merges their judges.</summary>
    public static ScoreTable Read(params string[] paths)
    {
        var columns = new Dictionary<string, SortedDictionary<int, (float, float)>>();
        var source = new Dictionary<string, string>();
        foreach (var path in paths)
        {
            var read = new Dictionary<string, SortedDictionary<int, (float, float)>>();
            Stream(path, (judge, row, s0, s1, line) => Add(read, judge, row, (s0, s1), path, line));
            foreach (var (judge, rows) in read)
            {
                if (!columns.TryAdd(judge, rows))
                    throw new ScoreFileException(path, 0, $"judge '{judge}' also appears in {source[judge]}.");
                source[judge] = path;
            }
        }
        if (columns.Count == 0) throw new ScoreFileException(string.Join(", ", paths), 0, "no judge scores found.");
        var judges = columns.Keys.ToList();
        var rowCount = columns.Values.Max(c => c.Count == 0 ? 0 : c.Keys.Max() + 1);
        var s0 = new float[judges.Count][];
        var s1 = new float[judges.Count][];
        for (var k = 0; k < judges.Count; k++)
        {
            var rows = columns[judges[k]];
            var missing = Enumerable.Range(0, rowCount).FirstOrDefault(r => !rows.ContainsKey(r), -1);
            if (missing >= 0) throw new ScoreFileException(source[judges[k]], 0, $"judge '{judges[k]}' has no score for row {missing} (rows must cover 0…{rowCount - 1}).");
            s0[k] = rows.Values.Select(v => v.Item1).ToArray();
            s1[k] = rows.Values.Select(v => v.Item2).ToArray();
        }
        return new ScoreTable(judges, s0, s1);
    }

    static void StreamJsonl(string path, ScoreSink sink)
    {
        var lineNumber = 0;
        foreach (var line in System.IO.File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument json;
            try { json = JsonDocument.Parse(line); }
            catch (JsonException e) { throw new ScoreFileException(path, lineNumber, $"not valid JSON ({e.Message})."); }
            using (json)
            {
                var root = json.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("row", out var rowElement) || rowElement.ValueKind != JsonValueKind.Number || !rowElement.TryGetInt32(out var row) || row < 0)
                    throw new ScoreFileException(path, lineNumber, "expected an object with a non-negative integer \"row\".");
                foreach (var property in root.EnumerateObject().Where(p => p.Name != "row"))
                {
                    if (property.Value.ValueKind != JsonValueKind.Array || property.Value.GetArrayLength() != 2)
                        throw new ScoreFileException(path, lineNumber, $"\"{property.Name}\" must be a pair [s0, s1], got {property.Value.GetRawText()}.");
                    var pair = property.Value.EnumerateArray().Select(v => ParseScore(v, path, lineNumber, property.Name)).ToArray();
                    sink(property.Name, row, pair[0], pair[1], lineNumber);
                }
            }
        }
    }

    static float ParseScore(JsonElement value, string path, int line, string judge)
    {
        var score = float.NaN;
        var ok = value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetSingle(out score),
            JsonValueKind.String => float.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out score),
            _ => false,
        };
        if (!ok || !float.IsFinite(score)) throw new ScoreFileException(path, line, $"\"{judge}\" has a score that is not a finite number ({value.GetRawText()}).");
        return score;
    }

    /// <summary>CSV through .NET's own RFC 4180 parser (quoted fields, quoted commas and line breaks), streamed.</summary>
    static void StreamCsv(string path, ScoreSink sink)
    {
        using var parser = new Microsoft.VisualBasic.FileIO.TextFieldParser(path) { TextFieldType = Microsoft.VisualBasic.FileIO.FieldType.Delimited, HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = true };
        parser.SetDelimiters(",");
        string[]? Next()
        {
            try { return parser.ReadFields(); }
            catch (Microsoft.VisualBasic.FileIO.MalformedLineException e) { throw new ScoreFileException(path, checked((int)e.LineNumber), $"malformed CSV ({e.Message})."); }
        }
        var header = Next() ?? throw new ScoreFileException(path, 0, "empty file.");
        var rowColumn = Array.IndexOf(header, "row");
        if (rowColumn < 0) throw new ScoreFileException(path, 1, "no 'row' column.");
        var judges = header.Where(h => h.EndsWith("_0", StringComparison.Ordinal)).Select(h => h[..^2]).ToList();
        foreach (var judge in judges)
            if (Array.IndexOf(header, judge + "_1") < 0) throw new ScoreFileException(path, 1, $"column {judge}_0 has no partner {judge}_1.");
        while (true)
        {
            var line = checked((int)parser.LineNumber);   // the 1-based line the next record starts on
            var cells = Next();
            if (cells is null) break;
            if (cells.Length != header.Length) throw new ScoreFileException(path, line, $"{cells.Length} cells, the header has {header.Length}.");
            if (!int.TryParse(cells[rowColumn], out var row) || row < 0) throw new ScoreFileException(path, line, $"row '{cells[rowColumn]}' is not a non-negative integer.");
            foreach (var judge in judges)
            {
                float Cell(string column)
                {
                    var text = cells[Array.IndexOf(header, column)];
                    if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !float.IsFinite(v))
                        throw new ScoreFileException(path, line, $"{column} = '{text}' is not a finite number.");
                    return v;
                }
                sink(judge, row, Cell(judge + "_0"), Cell(judge + "_1"), line);
            }
        }
    }

    static void StreamParquet(string path, ScoreSink sink)
    {
        using var stream = System.IO.File.OpenRead(path);
        Parquet.ParquetReader reader;
        if (Data.ParquetFooterCheck.Problem(stream) is { } problem) throw new ScoreFileException(path, 0, $"not a readable parquet file: {problem}");
        try { reader = Parquet.ParquetReader.CreateAsync(stream).GetAwaiter().GetResult(); }
        catch (Exception e) { throw new ScoreFileException(path, 0, $"not a readable parquet file: {e.Message}"); }
        try
        {
            StreamParquetScores(reader, path, sink);
        }
        catch (Exception e) when (e is not ScoreFileException)
        {
            throw new ScoreFileException(path, 0, $"parquet data cannot be read (corrupt page?): {e.Message}");
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    static void StreamParquetScores(Parquet.ParquetReader reader, string path, ScoreSink sink)
    {
        var fields = reader.Schema.GetDataFields();
        var rowField = fields.FirstOrDefault(f => f.Name == "row") ?? throw new ScoreFileException(path, 0, "no 'row' column.");
        var judges = fields.Where(f => f.Name.EndsWith("_0", StringComparison.Ordinal)).Select(f => f.Name[..^2]).ToList();
        foreach (var judge in judges)
            if (fields.All(f => f.Name != judge + "_1")) throw new ScoreFileException(path, 0, $"column {judge}_0 has no partner {judge}_1.");
        var offset = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var n = (int)group.RowCount;
            var rows = ReadNumbers(group, rowField, n, path);
            var columns = judges.ToDictionary(j => j, j => (ReadNumbers(group, fields.First(f => f.Name == j + "_0"), n, path),
                ReadNumbers(group, fields.First(f => f.Name == j + "_1"), n, path)));
            for (var i = 0; i < n; i++)
            {
                var line = offset + i + 1;
                if (rows[i] is not { } rowValue || rowValue < 0 || rowValue > int.MaxValue || rowValue != Math.Floor(rowValue))
                    throw new ScoreFileException(path, line, $"row '{rows[i]}' is not a non-negative integer.");
                foreach (var (judge, (s0, s1)) in columns)
                {
                    if (s0[i] is not { } a || s1[i] is not { } b || !double.IsFinite(a) || !double.IsFinite(b))
                        throw new ScoreFileException(path, line, $"'{judge}' has a score that is not a finite number ({s0[i]}, {s1[i]}).");
                    sink(judge, (int)rowValue, (float)a, (float)b, line);
                }
            }
            offset += n;
        }
    }

    /// <summary>A numeric parquet column (int, long, float or double; nullable or not) as doubles.</summary>
    static double?[] ReadNumbers(Parquet.ParquetRowGroupReader group, Parquet.Schema.DataField field, int n, string path)
    {
        double?[] Read<T>(Func<T, double> convert) where T : struct
        {
            if (field.IsNullable)
            {
                var nullable = new T?[n];
                group.ReadAsync(field, nullable.AsMemory()).AsTask().GetAwaiter().GetResult();
                return nullable.Select(v => v is { } x ? convert(x) : (double?)null).ToArray();
            }
            var values = new T[n];
            group.ReadAsync(field, values.AsMemory()).AsTask().GetAwaiter().GetResult();
            return values.Select(v => (double?)convert(v)).ToArray();
        }
        return field.ClrType switch
        {
            var t when t == typeof(double) => Read<double>(v => v),
            var t when t == typeof(float) => Read<float>(v => v),
            var t when t == typeof(long) => Read<long>(v => v),
            var t when t == typeof(int) => Read<int>(v => v),
            _ => throw new ScoreFileException(path, 0, $"column {field.Name} holds {field.ClrType.Name}, expected numbers."),
        };
    }

    static void Add(Dictionary<string, SortedDictionary<int, (float, float)>> result, string judge, int row, (float, float) scores, string path, int line)
    {
        if (!result.TryGetValue(judge, out var rows)) result[judge] = rows = [];
        if (!rows.TryAdd(row, scores)) throw new ScoreFileException(path, line, $"row {row} of '{judge}' appears twice.");
    }
}
