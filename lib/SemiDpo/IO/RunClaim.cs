using System.Text;

namespace SemiDpo.IO;

/// <summary>
/// A sharded stage's <c>run.json</c>: what its shards compute (models, settings, world size). Every shard writes the
/// same description; a folder whose description differs holds shards of another run, which would otherwise be merged
/// into this one.
/// </summary>
public static class RunClaim
{
    /// <summary>
    /// An input as a description names it: full path, length and last write time (UTC) — for a folder, of each file in
    /// it — so that a checkpoint retrained in place is not taken for the one the shards scored.
    /// </summary>
    public static string Stamp(string path)
    {
        static string Described(FileInfo file) => $"{file.FullName} {file.Length} {file.LastWriteTimeUtc:O}";
        if (Directory.Exists(path))
            return string.Join("; ", new DirectoryInfo(path).GetFiles().OrderBy(f => f.Name, StringComparer.Ordinal).Select(Described));
        var file = new FileInfo(path);
        return file.Exists ? Described(file) : file.FullName;
    }

    /// <summary>Writes <paramref name="description"/> to <paramref name="path"/>, or throws when the file there describes another run.</summary>
    public static void Check(string path, string description, string what)
    {
        if (File.Exists(path) && File.ReadAllText(path) != description)
            throw new ArgumentException($"{Path.GetDirectoryName(path)} holds {what} of another run ({path} differs): use another folder, or delete it.");
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false));
            writer.Write(description);
        });
    }
}
