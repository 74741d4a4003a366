namespace SemiDpo.Torch;

/// <summary>What <see cref="GlibcxxCompatPatch.Apply"/> did to a file.</summary>
public enum PatchOutcome
{
    /// <summary>The requirement was strong and is now weak (the file was rewritten atomically).</summary>
    Patched,
    /// <summary>The requirement was already weak: nothing written.</summary>
    AlreadyPatched,
    /// <summary>The file does not ask for the version at all: nothing written.</summary>
    NotRequired,
}

/// <summary>
/// The Debian 12 compatibility fix for TorchSharp 0.107: libLibTorchSharp.so asks for GLIBCXX_3.4.32 only for the
/// link marker <c>_ZSt21ios_base_library_initv</c>, which no relocation uses; Debian 12's libstdc++ stops at 3.4.30.
/// Marking that one requirement weak lets the loader accept the library.
/// </summary>
public static class GlibcxxCompatPatch
{
    public const string RequiredVersion = "GLIBCXX_3.4.32";

    /// <summary>
    /// Weakens <see cref="RequiredVersion"/> in <paramref name="path"/>. The new bytes go to a temporary file in the same
    /// folder that is then renamed over the original, so a process starting at the same moment sees either the old or
    /// the new file, never half of one. Idempotent.
    /// </summary>
    public static PatchOutcome Apply(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var needs = ElfVersionNeeds.Read(bytes).Where(n => n.Version == RequiredVersion).ToList();
        if (needs.Count == 0) return PatchOutcome.NotRequired;
        if (needs.All(n => n.IsWeak)) return PatchOutcome.AlreadyPatched;

        ElfVersionNeeds.Weaken(bytes, new HashSet<string> { RequiredVersion });
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temp, bytes);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
        return PatchOutcome.Patched;
    }
}
