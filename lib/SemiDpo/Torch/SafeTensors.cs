using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using SemiDpo.IO;
using static TorchSharp.torch;

namespace SemiDpo.Torch;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Offset">Byte offset of its data from the start of the file (64-bit: files of several GB).</param>
public sealed record SafeTensorEntry(string Name, ScalarType DType, long[] Shape, long Offset, long Length);

/// <summary>
/// The safetensors format (8-byte little-endian header length, JSON header of name → dtype, shape, byte offsets, then
/// raw little-endian data): how weights travel between PyTorch / diffusers and this toolkit. Reading takes one tensor
/// at a time straight from the file into the tensor's memory (no whole-file copy, 64-bit offsets); writing goes to a
/// temporary file that is renamed, so a crash never leaves half a file.
/// </summary>
public static class SafeTensors
{
    static readonly Dictionary<string, ScalarType> DTypes = new()
    {
        ["F64"] = ScalarType.Float64, ["F32"] = ScalarType.Float32, ["F16"] = ScalarType.Float16, ["BF16"] = ScalarType.BFloat16,
        ["I64"] = ScalarType.Int64, ["I32"] = ScalarType.Int32, ["I16"] = ScalarType.Int16, ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte, ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>Every tensor of the file, on the CPU, in its stored dtype.</summary>
    public static Dictionary<string, Tensor> Read(string path) => Read(path, null);

    /// <summary>
    /// The tensors of the file, each converted to <paramref name="dtype"/> when given and floating point (integer
    /// tensors keep theirs).
    /// </summary>
    public static Dictionary<string, Tensor> Read(string path, ScalarType? dtype)
    {
        var entries = ReadHeader(path);
        using var stream = File.OpenRead(path);
        var tensors = new Dictionary<string, Tensor>();
        foreach (var entry in entries)
        {
            var stored = ReadTensor(stream, entry);
            tensors[entry.Name] = dtype is { } d && stored.is_floating_point() && d != entry.DType ? Convert(stored, d) : stored;
        }
        return tensors;
    }

    /// <summary>
    /// Every tensor of the file, on the CPU, in its stored dtype, mapped from the file rather than read: pages come from
    /// the OS's file cache when a row is first used and can be evicted again, so a set of many GB (a latent cache)
    /// costs no resident memory until it is read (a copy-on-write mapping: writing to the tensors never changes the
    /// file). A tensor whose offset is not a multiple of its element size cannot be mapped and is read instead.
    /// </summary>
    public static Dictionary<string, Tensor> Map(string path)
    {
        var entries = ReadHeader(path);
        var fileLength = new FileInfo(path).Length;
        var tensors = new Dictionary<string, Tensor>();
        Stream? stream = null;
        try
        {
            foreach (var group in entries.GroupBy(e => e.DType))
            {
                var size = ElementSize(group.Key);
                using var whole = from_file(path, shared: false, size: fileLength / size, dtype: group.Key);
                foreach (var entry in group)
                {
                    if (entry.Offset % size != 0 || entry.Length == 0)
                    {
                        stream ??= File.OpenRead(path);
                        tensors[entry.Name] = ReadTensor(stream, entry);
                        continue;
                    }
                    using var flat = whole.narrow(0, entry.Offset / size, entry.Length / size);
                    tensors[entry.Name] = flat.view(entry.Shape);
                }
            }
            return tensors;
        }
        catch
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
            throw;
        }
        finally
        {
            stream?.Dispose();
        }
    }

    /// <summary>One tensor of an open file (CPU, stored dtype), read straight into the tensor's memory.</summary>
    public static Tensor ReadTensor(Stream stream, SafeTensorEntry entry)
    {
        var stored = empty(entry.Shape, entry.DType);
        stream.Position = entry.Offset;
        if (entry.Length > 0) stream.ReadExactly(stored.bytes);
        return stored;
    }

    static Tensor Convert(Tensor stored, ScalarType dtype)
    {
        using (stored) return stored.to_type(dtype);
    }

    /// <summary>The header: every tensor's name, dtype, shape and where its bytes lie; checks that they lie in the file.</summary>
    public static IReadOnlyList<SafeTensorEntry> ReadHeader(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such safetensors file.", path);
        using var stream = File.OpenRead(path);
        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8) throw new InvalidDataException($"{path}: too short for a safetensors file.");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength == 0 || headerLength > 100_000_000 || 8 + (long)headerLength > stream.Length)
            throw new InvalidDataException($"{path}: bad header length {headerLength} (file of {stream.Length} bytes; truncated or not safetensors).");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        var dataStart = 8 + (long)headerLength;
        var dataLength = stream.Length - dataStart;
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the header is not valid JSON ({e.Message}).");
        }
        using (json)
        {
            var entries = new List<SafeTensorEntry>();
            foreach (var item in json.RootElement.EnumerateObject())
            {
                if (item.Name == "__metadata__") continue;
                entries.Add(Entry(path, item, dataStart, dataLength));
            }
            return entries;
        }
    }

    static SafeTensorEntry Entry(string path, JsonProperty item, long dataStart, long dataLength)
    {
        try
        {
            var dtypeName = item.Value.GetProperty("dtype").GetString() ?? "";
            if (!DTypes.TryGetValue(dtypeName, out var dtype)) throw new InvalidDataException($"{path}: tensor '{item.Name}' has unsupported dtype {dtypeName}.");
            var shape = item.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = item.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype);
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] - offsets[0] != expected)
                throw new InvalidDataException($"{path}: tensor '{item.Name}' has offsets [{string.Join(", ", offsets)}] that do not fit its shape [{string.Join(", ", shape)}] {dtypeName}.");
            if (offsets[1] > dataLength)
                throw new InvalidDataException($"{path}: truncated: tensor '{item.Name}' ends at byte {dataStart + offsets[1]} of a {dataStart + dataLength}-byte file.");
            return new SafeTensorEntry(item.Name, dtype, shape, dataStart + offsets[0], expected);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: tensor '{item.Name}' has a malformed header entry.");
        }
    }

    /// <summary>Writes the tensors (names sorted, any dtype of the table) as a safetensors file, atomically.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        var header = new Dictionary<string, object>();
        if (metadata is not null) header["__metadata__"] = metadata;
        long offset = 0;
        var contiguous = new List<Tensor>();
        foreach (var name in names)
        {
            var t = tensors[name].detach().cpu().contiguous();
            var code = DTypes.First(p => p.Value == t.dtype).Key;
            var length = t.numel() * ElementSize(t.dtype);
            header[name] = new { dtype = code, shape = t.shape, data_offsets = new[] { offset, offset + length } };
            offset += length;
            contiguous.Add(t);
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        var padded = (json.Length + 7) / 8 * 8;
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
            stream.Write(prefix);
            stream.Write(json);
            for (var i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (var t in contiguous)
                if (t.numel() > 0) stream.Write(t.bytes);
        });
        foreach (var t in contiguous) t.Dispose();
    }

    static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };
}
