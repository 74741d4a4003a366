using System.Buffers.Binary;
using System.Text;

namespace SemiDpo.Torch;

/// <summary>One symbol-version requirement (an ELF <c>Elf64_Vernaux</c> entry) of a shared object.</summary>
/// <param name="Library">The library that must provide the version, e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Version">The version name, e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="Flags">The entry's <c>vna_flags</c>; bit 0x2 (<see cref="ElfVersionNeeds.WeakFlag"/>) marks it weak.</param>
/// <param name="FlagsOffset">File offset of <c>vna_flags</c>, the only bytes a weakening touches.</param>
public sealed record VersionNeed(string Library, string Version, ushort Flags, long FlagsOffset)
{
    public bool IsWeak => (Flags & ElfVersionNeeds.WeakFlag) != 0;
}

/// <summary>
/// Reads and edits the <c>.gnu.version_r</c> section (SHT_GNU_verneed) of a little-endian ELF64 shared object.
/// Marking a requirement weak (VER_FLG_WEAK) makes the dynamic loader accept a library that lacks that version,
/// which is how TorchSharp 0.107 loads on systems whose libstdc++ stops before GLIBCXX_3.4.32.
/// </summary>
public static class ElfVersionNeeds
{
    public const ushort WeakFlag = 0x2;
    const uint ShtGnuVerneed = 0x6FFFFFFE;

    /// <summary>Every version requirement in the file, in section order.</summary>
    public static IReadOnlyList<VersionNeed> Read(ReadOnlySpan<byte> elf)
    {
        CheckHeader(elf);
        var result = new List<VersionNeed>();
        var shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        var shentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        var shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        for (var i = 0; i < shnum; i++)
        {
            var sh = elf[checked((int)(shoff + i * shentsize))..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed) continue;
            var offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            var link = BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            var count = BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2C..]);
            var strtab = elf[checked((int)(shoff + link * shentsize))..];
            var stringsOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(strtab[0x18..]);

            var vn = offset;
            for (var n = 0; n < count; n++)
            {
                var verneed = elf[checked((int)vn)..];
                var auxCount = BinaryPrimitives.ReadUInt16LittleEndian(verneed[2..]);
                var library = ReadString(elf, stringsOffset + BinaryPrimitives.ReadUInt32LittleEndian(verneed[4..]));
                var va = vn + BinaryPrimitives.ReadUInt32LittleEndian(verneed[8..]);
                for (var a = 0; a < auxCount; a++)
                {
                    var aux = elf[checked((int)va)..];
                    var flags = BinaryPrimitives.ReadUInt16LittleEndian(aux[4..]);
                    var name = ReadString(elf, stringsOffset + BinaryPrimitives.ReadUInt32LittleEndian(aux[8..]));
                    result.Add(new VersionNeed(library, name, flags, va + 4));
                    va += BinaryPrimitives.ReadUInt32LittleEndian(aux[12..]);
                }
                vn += BinaryPrimitives.ReadUInt32LittleEndian(verneed[12..]);
            }
        }
        return result;
    }

    /// <summary>Sets VER_FLG_WEAK on every requirement named in <paramref name="versions"/>; touches no other byte.</summary>
    /// <returns>The requirements that changed (already-weak ones are left alone and not returned).</returns>
    public static IReadOnlyList<VersionNeed> Weaken(Span<byte> elf, IReadOnlySet<string> versions)
    {
        var changed = new List<VersionNeed>();
        foreach (var need in Read(elf))
        {
            if (!versions.Contains(need.Version) || need.IsWeak) continue;
            BinaryPrimitives.WriteUInt16LittleEndian(elf[(int)need.FlagsOffset..], (ushort)(need.Flags | WeakFlag));
            changed.Add(need);
        }
        return changed;
    }

    static void CheckHeader(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 0x40 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("Not an ELF file.");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("Only little-endian ELF64 files are supported.");
    }

    static string ReadString(ReadOnlySpan<byte> elf, long offset)
    {
        var tail = elf[checked((int)offset)..];
        var end = tail.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? tail : tail[..end]);
    }
}
