namespace SemiDpo.IO;

/// <summary>Another live process is writing to the same output.</summary>
public sealed class OutputInUseException(string message) : IOException(message);

/// <summary>
/// Keeps two runs from writing to one output folder: an exclusive lock on <c>.semidpo.lock</c> in it, held while this
/// object lives. The operating system drops the lock when its process dies (an advisory flock on Linux/macOS, a share
/// lock on Windows), so a killed run never blocks the next one; the empty file left behind means nothing by itself.
/// </summary>
public sealed class OutputLock : IDisposable
{
    public const string FileName = ".semidpo.lock";
    readonly FileStream stream;

    OutputLock(FileStream stream) => this.stream = stream;

    /// <summary>Takes the lock on <paramref name="folder"/> (created if needed) or throws <see cref="OutputInUseException"/>.</summary>
    public static OutputLock Acquire(string folder) => Acquire(folder, FileName);

    /// <summary>Takes the lock on one output file (processes writing other files of its folder, e.g. other shards, are not blocked).</summary>
    public static OutputLock AcquireFile(string file) =>
        Acquire(Path.GetDirectoryName(Path.GetFullPath(file))!, $".{Path.GetFileName(file)}.lock");

    static OutputLock Acquire(string folder, string name)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        try
        {
            return new OutputLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new OutputInUseException($"{folder}: another semidpo run is writing here ({name} is locked); wait for it to finish or choose another output.");
        }
    }

    public void Dispose() => stream.Dispose();
}
