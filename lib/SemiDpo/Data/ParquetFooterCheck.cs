using System.Buffers.Binary;

namespace SemiDpo.Data;

/// <summary>
/// A bounds check of a parquet file's footer (its Thrift compact-encoded FileMetaData) before Parquet.Net parses it.
/// Parquet.Net 6.1 trusts the element counts of lists: a corrupted count with boolean elements (which it skips
/// without reading a byte) makes it loop up to 2³¹ times — a read that seems to hang (found by CorruptionFuzzTests).
/// Every list element takes at least one byte on the wire, so a count larger than the bytes left is corruption.
/// Only the structure is walked; nothing is decoded.
/// </summary>
public static class ParquetFooterCheck
{
    const int MaxDepth = 64;

    /// <summary>Null when the footer is structurally sound, else what is wrong with it.</summary>
    public static string? Problem(Stream file)
    {
        if (file.Length < 12) return $"{file.Length} bytes: too short for a parquet file";
        var tail = new byte[8];
        file.Seek(-8, SeekOrigin.End);
        file.ReadExactly(tail);
        var length = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (length <= 0 || length > file.Length - 12) return $"footer length {length} does not fit a {file.Length}-byte file";
        var footer = new byte[length];
        file.Seek(-8 - length, SeekOrigin.End);
        file.ReadExactly(footer);
        file.Seek(0, SeekOrigin.Begin);
        try
        {
            var position = 0;
            SkipStruct(footer, ref position, 0);
            return null;
        }
        catch (InvalidDataException e)
        {
            return $"corrupt footer metadata ({e.Message})";
        }
    }

    static void SkipStruct(byte[] data, ref int position, int depth)
    {
        if (depth > MaxDepth) throw new InvalidDataException("nested too deeply");
        while (true)
        {
            var header = Byte(data, ref position);
            if (header == 0) return;                                   // stop
            if ((header >> 4) == 0) VarInt(data, ref position);        // a field id follows
            Skip(data, ref position, header & 0x0F, depth, inList: false);
        }
    }

    static void Skip(byte[] data, ref int position, int type, int depth, bool inList)
    {
        switch (type)
        {
            case 1 or 2: if (inList) Byte(data, ref position); break;  // booleans: in the field header, or one byte in a list
            case 3: Byte(data, ref position); break;                    // byte
            case 4 or 5 or 6: VarInt(data, ref position); break;        // i16, i32, i64
            case 7: Advance(data, ref position, 8); break;              // double
            case 8: Advance(data, ref position, checked((int)VarInt(data, ref position))); break; // binary
            case 9 or 10:                                               // list, set
            {
                var header = Byte(data, ref position);
                long count = header >> 4;
                if (count == 15) count = VarInt(data, ref position);
                if (count > data.Length - position) throw new InvalidDataException($"a list of {count} elements in {data.Length - position} bytes");
                for (var i = 0; i < count; i++) Skip(data, ref position, header & 0x0F, depth + 1, inList: true);
                break;
            }
            case 11:                                                    // map
            {
                var count = VarInt(data, ref position);
                if (count == 0) break;
                var types = Byte(data, ref position);
                if (2 * count > data.Length - position) throw new InvalidDataException($"a map of {count} entries in {data.Length - position} bytes");
                for (var i = 0; i < (int)count; i++)
                {
                    Skip(data, ref position, types >> 4, depth + 1, inList: true);
                    Skip(data, ref position, types & 0x0F, depth + 1, inList: true);
                }
                break;
            }
            case 12: SkipStruct(data, ref position, depth + 1); break;  // struct
            default: throw new InvalidDataException($"unknown field type {type}");
        }
    }

    static byte Byte(byte[] data, ref int position) =>
        position < data.Length ? data[position++] : throw new InvalidDataException("ends in the middle of a field");

    static void Advance(byte[] data, ref int position, int count)
    {
        if (count < 0 || count > data.Length - position) throw new InvalidDataException($"a field of {count} bytes in {data.Length - position}");
        position += count;
    }

    static long VarInt(byte[] data, ref int position)
    {
        long result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Byte(data, ref position);
            result |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new InvalidDataException("a varint longer than 10 bytes");
    }
}
