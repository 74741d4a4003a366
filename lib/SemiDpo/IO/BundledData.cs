namespace SemiDpo.IO;

/// <summary>
/// The committed assets (data/judges, data/base-model) found from anywhere: a relative path is read from the current
/// folder when it is there (a checkout), else from beside the program (the installed <c>semidpo</c> tool carries them),
/// so the tool works in an empty folder. Their SHA-256 checks run wherever they are found.
/// </summary>
public static class BundledData
{
    /// <summary><paramref name="path"/> itself when rooted or present; else the copy beside the program when that exists; else <paramref name="path"/> (so errors name what was asked for).</summary>
    public static string Resolve(string path)
    {
        if (Path.IsPathRooted(path) || File.Exists(path) || Directory.Exists(path)) return path;
        var beside = Path.Combine(AppContext.BaseDirectory, path);
        return File.Exists(beside) || Directory.Exists(beside) ? beside : path;
    }
}
