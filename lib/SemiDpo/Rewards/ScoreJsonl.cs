using System.Text;
using System.Text.Json;

namespace SemiDpo.Rewards;

/// <summary>
/// The official pipeline's score file, <c>scores_rank{r:03d}.jsonl</c>: one line <c>{"row": i, "&lt;model&gt;": [s0, s1], …}</c>
/// per pair, appended as pairs are scored so that a killed run resumes where it stopped. On opening, a last line cut
/// short by a kill is removed and the rows already written are returned, so the finished file equals an uninterrupted
/// run's (no duplicate rows).
/// </summary>
public sealed class ScoreJsonl : IDisposable
{
    readonly StreamWriter writer;

    ScoreJsonl(StreamWriter writer, HashSet<long> done)
    {
        this.writer = writer;
        Done = done;
    }

    /// <summary>Rows the file already holds (resume skips them).</summary>
    public IReadOnlySet<long> Done { get; }

    /// <summary>Opens (creating) <paramref name="path"/> for appending, after dropping a partial last line.</summary>
    public static ScoreJsonl Open(string path, IReadOnlyList<string> judges)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var done = new HashSet<long>();
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        var complete = 0L;
        var lineNumber = 0;
        using (var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true))
        {
            var text = reader.ReadToEnd();
            var end = text.LastIndexOf('\n') + 1;
            complete = Encoding.UTF8.GetByteCount(text.AsSpan(0, end));
            foreach (var line in text[..end].Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                lineNumber++;
                done.Add(Row(path, lineNumber, line, judges));
            }
        }
        stream.SetLength(complete);
        stream.Position = complete;
        return new ScoreJsonl(new StreamWriter(stream, new UTF8Encoding(false)), done);
    }

    static long Row(string path, int lineNumber, string line, IReadOnlyList<string> judges)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            var row = json.RootElement.GetProperty("row").GetInt64();
            foreach (var judge in judges.Where(j => !json.RootElement.TryGetProperty(j, out _)))
                throw new ScoreFileException(path, lineNumber, $"row {row} has no '{judge}' score: this file was written with other judges; write to a new file.");
            return row;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ScoreFileException(path, lineNumber, "not a score line {\"row\": i, \"<model>\": [s0, s1]}.");
        }
    }

    /// <summary>Appends one pair's scores (judge → [s0, s1]) and flushes, so a kill loses at most the line being written.</summary>
    public void Append(long row, IReadOnlyDictionary<string, (float S0, float S1)> scores)
    {
        writer.Write(Line(row, scores.Select(p => (p.Key, p.Value.S0, p.Value.S1))));
        writer.Write('\n');
        writer.Flush();
    }

    /// <summary>One score line, <c>{"row": i, "&lt;model&gt;": [s0, s1], …}</c>, without its newline.</summary>
    public static string Line(long row, IEnumerable<(string Judge, float S0, float S1)> scores)
    {
        var line = new Dictionary<string, object> { ["row"] = row };
        foreach (var (judge, s0, s1) in scores) line[judge] = new[] { s0, s1 };
        return JsonSerializer.Serialize(line);
    }

    public void Dispose() => writer.Dispose();
}
