using System.Buffers.Binary;
using System.Text.Json;
using static TorchSharp.torch;

namespace SemiDpo.Torch;

/// <summary>
/// Reads the safetensors format (8-byte little-endian header length, JSON header of name → dtype, shape, byte
/// offsets, then raw little-endian data): the way weights and fixtures travel between PyTorch and this toolkit.
/// </summary>
public static class SafeTensors
{
    public static Dictionary<string, Tensor> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw new InvalidDataException($"{path}: too short for a safetensors file.");
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength <= 0 || 8 + headerLength > bytes.Length) throw new InvalidDataException($"{path}: bad header length {headerLength}.");
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        var data = bytes.AsSpan(8 + (int)headerLength);
        var tensors = new Dictionary<string, Tensor>();
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__") continue;
            var dtype = entry.Value.GetProperty("dtype").GetString();
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] > data.Length || offsets[1] < offsets[0])
                throw new InvalidDataException($"{path}: tensor '{entry.Name}' has bad offsets.");
            var slice = data[offsets[0]..offsets[1]];
            tensors[entry.Name] = dtype switch
            {
                "F64" => tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(slice).ToArray(), shape),
                "F32" => tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(slice).ToArray(), shape),
                "I64" => tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(slice).ToArray(), shape),
                _ => throw new InvalidDataException($"{path}: tensor '{entry.Name}' has unsupported dtype {dtype}."),
            };
        }
        return tensors;
    }
}
