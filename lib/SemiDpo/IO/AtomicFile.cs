namespace SemiDpo.IO;

/// <summary>
/// Writes a file through a temporary name in the same folder and renames it into place, so a crash or a kill never
/// leaves half a file under the final name.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var (full, temp) = Names(path);
        try
        {
            using (var stream = File.Create(temp)) write(stream);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public static async Task WriteAsync(string path, Func<Stream, Task> write)
    {
        var (full, temp) = Names(path);
        try
        {
            await using (var stream = File.Create(temp)) await write(stream);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>A file being written under a temporary name: <see cref="PendingFile.CommitAsync"/> renames it into place; disposing without committing deletes it.</summary>
    public static PendingFile Begin(string path)
    {
        var (full, temp) = Names(path);
        return new PendingFile(full, temp, File.Create(temp));
    }

    static (string Full, string Temp) Names(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return (full, Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp"));
    }
}

/// <summary>A file written through a temporary name (see <see cref="AtomicFile.Begin"/>).</summary>
public sealed class PendingFile(string path, string temp, Stream stream) : IAsyncDisposable
{
    bool committed;

    public Stream Stream => stream;

    /// <summary>Closes the stream and renames the file into place.</summary>
    public async Task CommitAsync()
    {
        await stream.DisposeAsync();
        File.Move(temp, path, overwrite: true);
        committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync();
        if (!committed) File.Delete(temp);
    }
}
