using System.Runtime.Versioning;
using System.Security.Cryptography;
using SemiDpo.Torch;

namespace SemiDpo.Tests.Torch;

[SupportedOSPlatform("linux")]
public class GlibcxxCompatPatchTests
{
    static string CopyOfRealLibrary(TestPaths.TempFolder temp)
    {
        var copy = Path.Combine(temp.Path, "libLibTorchSharp.so");
        File.Copy(TestPaths.PristineLibTorchSharp, copy);
        return copy;
    }

    [Fact]
    public void RealLibrary_AsksForGlibcxx3432_Strongly()
    {
        var needs = ElfVersionNeeds.Read(File.ReadAllBytes(TestPaths.PristineLibTorchSharp));

        var need = Assert.Single(needs, n => n.Version == GlibcxxCompatPatch.RequiredVersion);
        Assert.Equal("libstdc++.so.6", need.Library);
        Assert.False(need.IsWeak);
        Assert.Contains(needs, n => n.Version.StartsWith("GLIBC_", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_SetsWeakFlagOnThatEntryOnly_AndChangesNoOtherByte()
    {
        using var temp = TestPaths.NewTempFolder();
        var copy = CopyOfRealLibrary(temp);
        var originalHash = SHA256.HashData(File.ReadAllBytes(TestPaths.PristineLibTorchSharp));
        var before = File.ReadAllBytes(copy);

        Assert.Equal(PatchOutcome.Patched, GlibcxxCompatPatch.Apply(copy));

        var after = File.ReadAllBytes(copy);
        Assert.Equal(before.Length, after.Length);
        var target = ElfVersionNeeds.Read(before).Single(n => n.Version == GlibcxxCompatPatch.RequiredVersion);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        Assert.NotEmpty(changed);
        Assert.All(changed, i => Assert.InRange(i, target.FlagsOffset, target.FlagsOffset + 1));

        var needsAfter = ElfVersionNeeds.Read(after);
        foreach (var (old, now) in ElfVersionNeeds.Read(before).Zip(needsAfter))
        {
            var expected = old.Version == GlibcxxCompatPatch.RequiredVersion ? (ushort)(old.Flags | ElfVersionNeeds.WeakFlag) : old.Flags;
            Assert.Equal(expected, now.Flags);
        }
        Assert.Equal(originalHash, SHA256.HashData(File.ReadAllBytes(TestPaths.PristineLibTorchSharp)));
    }

    [Fact]
    public void Apply_Twice_SecondRunWritesNothing()
    {
        using var temp = TestPaths.NewTempFolder();
        var copy = CopyOfRealLibrary(temp);
        GlibcxxCompatPatch.Apply(copy);
        var firstWrite = File.GetLastWriteTimeUtc(copy);
        var patched = File.ReadAllBytes(copy);

        Assert.Equal(PatchOutcome.AlreadyPatched, GlibcxxCompatPatch.Apply(copy));
        Assert.Equal(patched, File.ReadAllBytes(copy));
        Assert.Equal(firstWrite, File.GetLastWriteTimeUtc(copy));
    }

    [Fact]
    public void Apply_FromManyThreadsAtOnce_LeavesOneCorrectFileAndNoTemporaries()
    {
        using var temp = TestPaths.NewTempFolder();
        var copy = CopyOfRealLibrary(temp);
        using var reference = TestPaths.NewTempFolder();
        var expected = CopyOfRealLibrary(reference);
        GlibcxxCompatPatch.Apply(expected);

        Parallel.For(0, 8, _ => GlibcxxCompatPatch.Apply(copy));

        Assert.Equal(File.ReadAllBytes(expected), File.ReadAllBytes(copy));
        Assert.Equal([copy], Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void Apply_KeepsTheFileMode()
    {
        using var temp = TestPaths.NewTempFolder();
        var copy = CopyOfRealLibrary(temp);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        GlibcxxCompatPatch.Apply(copy);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(copy));
    }

    [Fact]
    public void Apply_OnALibraryThatDoesNotAskForTheVersion_IsNotRequired()
    {
        using var temp = TestPaths.NewTempFolder();
        var libtorch = Path.Combine(TestPaths.NuGetPackageRoot, "libtorch-cpu-linux-x64", "2.10.0", "runtimes", "linux-x64", "native", "libtorch.so");
        var copy = Path.Combine(temp.Path, "libtorch.so");
        File.Copy(libtorch, copy);

        Assert.Equal(PatchOutcome.NotRequired, GlibcxxCompatPatch.Apply(copy));
        Assert.Equal(File.ReadAllBytes(libtorch), File.ReadAllBytes(copy));
    }

    [Fact]
    public void Read_RejectsFilesThatAreNotElf64()
    {
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read("#!/bin/sh\necho not a library\n"u8.ToArray().Concat(new byte[64]).ToArray()));
        Assert.Contains("Not an ELF file", e.Message);
    }
}
