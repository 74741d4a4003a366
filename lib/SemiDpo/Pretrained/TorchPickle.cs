using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using static TorchSharp.torch;

namespace SemiDpo.Pretrained;

/// <summary>
/// Reads PyTorch checkpoints written by <c>torch.save</c> (the zip format of torch ≥ 1.6: <c>data.pkl</c> + one file
/// per storage), such as HPSv2's <c>.pt</c> and the LAION aesthetic predictor's <c>.pth</c>, WITHOUT running anything
/// they name: a pickle is a program, so this interpreter knows only the opcodes of plain data and accepts only the
/// globals a state dict needs (OrderedDict, the tensor rebuild functions, the storage types). Any other global — a
/// class, a function such as os.system — refuses the file before it is used. Safetensors remain the preferred format.
/// </summary>
public static class TorchPickle
{
    static readonly Dictionary<string, ScalarType> Storages = new()
    {
        ["FloatStorage"] = ScalarType.Float32, ["HalfStorage"] = ScalarType.Float16, ["BFloat16Storage"] = ScalarType.BFloat16,
        ["DoubleStorage"] = ScalarType.Float64, ["LongStorage"] = ScalarType.Int64, ["IntStorage"] = ScalarType.Int32,
        ["ShortStorage"] = ScalarType.Int16, ["CharStorage"] = ScalarType.Int8, ["ByteStorage"] = ScalarType.Byte, ["BoolStorage"] = ScalarType.Bool,
    };

    /// <summary>
    /// The tensors of a checkpoint by name: the top-level dict if its values are tensors, else its <c>state_dict</c>
    /// entry (HPSv2's layout). Nested dicts are flattened with dots.
    /// </summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        var root = Read(path);
        if (root is IDictionary<object, object?> top && top.TryGetValue("state_dict", out var inner) && inner is IDictionary<object, object?>) root = inner;
        if (root is not IDictionary<object, object?> dict) throw new ModelFormatException($"{path}: holds a {Describe(root)}, not a dict of tensors.");
        var tensors = new Dictionary<string, Tensor>();
        Flatten(dict, "", tensors);
        if (tensors.Count == 0) throw new ModelFormatException($"{path}: holds no tensors.");
        return tensors;
    }

    static void Flatten(IDictionary<object, object?> dict, string prefix, Dictionary<string, Tensor> into)
    {
        foreach (var (key, value) in dict)
        {
            var name = prefix + key;
            if (value is Tensor t) into[name] = t;
            else if (value is IDictionary<object, object?> nested) Flatten(nested, name + ".", into);
        }
    }

    /// <summary>The unpickled object: dicts, lists, tuples (object[]), strings, numbers, booleans, null and tensors.</summary>
    public static object? Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such checkpoint.", path);
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException)
        {
            throw new ModelFormatException($"{path}: not a zip-format PyTorch checkpoint (torch.save of torch ≥ 1.6; older formats are not read — re-save it, or convert it to safetensors).");
        }
        using (zip)
        {
            var pickle = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal))
                ?? throw new ModelFormatException($"{path}: a zip without data.pkl is not a PyTorch checkpoint.");
            var prefix = pickle.FullName[..^"data.pkl".Length];
            using var stream = pickle.Open();
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var storages = new Dictionary<string, Tensor>();
            Tensor Storage(string key, ScalarType dtype, long count)
            {
                if (storages.TryGetValue(key, out var cached)) return cached;
                var entry = zip.GetEntry($"{prefix}data/{key}") ?? throw new ModelFormatException($"{path}: storage {key} is missing from the archive.");
                var storage = empty(count, dtype);
                using var data = entry.Open();
                if (entry.Length != storage.numel() * storage.ElementSize) throw new ModelFormatException($"{path}: storage {key} has {entry.Length} bytes, expected {storage.numel() * storage.ElementSize}.");
                if (count > 0) data.ReadExactly(storage.bytes);
                return storages[key] = storage;
            }
            try
            {
                return new Machine(memory.ToArray(), path, Storage).Run();
            }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or InvalidCastException or InvalidOperationException or EndOfStreamException)
            {
                throw new ModelFormatException($"{path}: data.pkl is malformed ({e.Message}).");
            }
        }
    }

    static string Describe(object? value) => value?.GetType().Name ?? "None";

    /// <summary>A global a pickle named: only the allowed ones are ever created.</summary>
    sealed record Global(string Module, string Name);

    sealed record StorageType(ScalarType DType);

    /// <summary>The pickle virtual machine, restricted to plain data.</summary>
    sealed class Machine(byte[] code, string path, Func<string, ScalarType, long, Tensor> storage)
    {
        readonly Stack<object?> stack = new();
        readonly Stack<int> marks = new();
        readonly Dictionary<long, object?> memo = [];
        int position;

        public object? Run()
        {
            while (true)
            {
                var op = code[position++];
                switch (op)
                {
                    case 0x80: position++; break;                                         // PROTO
                    case 0x95: position += 8; break;                                      // FRAME
                    case (byte)'.': return stack.Pop();                                   // STOP
                    case (byte)'(': marks.Push(stack.Count); break;                       // MARK
                    case (byte)'}': stack.Push(new OrderedDictionary<object, object?>()); break;
                    case (byte)']': stack.Push(new List<object?>()); break;
                    case (byte)')': stack.Push(Array.Empty<object?>()); break;
                    case (byte)'N': stack.Push(null); break;
                    case 0x88: stack.Push(true); break;
                    case 0x89: stack.Push(false); break;
                    case (byte)'J': stack.Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                    case (byte)'K': stack.Push((long)Take(1)[0]); break;
                    case (byte)'M': stack.Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                    case 0x8a: stack.Push(Long(Take(Take(1)[0]))); break;                 // LONG1
                    case (byte)'G': stack.Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
                    case (byte)'X': stack.Push(Encoding.UTF8.GetString(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))); break;
                    case 0x8c: stack.Push(Encoding.UTF8.GetString(Take(Take(1)[0]))); break;
                    case 0x8d: stack.Push(Encoding.UTF8.GetString(Take(checked((int)BinaryPrimitives.ReadInt64LittleEndian(Take(8)))))); break;
                    case (byte)'U': stack.Push(Encoding.Latin1.GetString(Take(Take(1)[0]))); break;
                    case (byte)'T': stack.Push(Encoding.Latin1.GetString(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))); break;
                    case (byte)'C': stack.Push(Take(Take(1)[0]).ToArray()); break;
                    case (byte)'B': stack.Push(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))).ToArray()); break;
                    case (byte)'t': stack.Push(PopMark().ToArray()); break;
                    case 0x85: stack.Push(new[] { stack.Pop() }); break;
                    case 0x86: { var b = stack.Pop(); var a = stack.Pop(); stack.Push(new[] { a, b }); break; }
                    case 0x87: { var c = stack.Pop(); var b = stack.Pop(); var a = stack.Pop(); stack.Push(new[] { a, b, c }); break; }
                    case (byte)'a': { var v = stack.Pop(); ((List<object?>)stack.Peek()!).Add(v); break; }
                    case (byte)'e': { var items = PopMark(); ((List<object?>)stack.Peek()!).AddRange(items); break; }
                    case (byte)'s': { var v = stack.Pop(); var k = stack.Pop(); Dict(stack.Peek())[k!] = v; break; }
                    case (byte)'u':
                    {
                        var items = PopMark();
                        var dict = Dict(stack.Peek());
                        for (var i = 0; i + 1 < items.Count; i += 2) dict[items[i]!] = items[i + 1];
                        break;
                    }
                    case (byte)'q': memo[Take(1)[0]] = stack.Peek(); break;                // BINPUT
                    case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = stack.Peek(); break;
                    case 0x94: memo[memo.Count] = stack.Peek(); break;                    // MEMOIZE
                    case (byte)'h': stack.Push(memo[Take(1)[0]]); break;                  // BINGET
                    case (byte)'j': stack.Push(memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))]); break;
                    case (byte)'c': { var module = Line(); stack.Push(Allow(module, Line())); break; }
                    case 0x93: { var name = (string)stack.Pop()!; var module = (string)stack.Pop()!; stack.Push(Allow(module, name)); break; }
                    case (byte)'R': { var args = (object?[])stack.Pop()!; stack.Push(Call((Global)stack.Pop()!, args)); break; }
                    case 0x81: { var args = (object?[])stack.Pop()!; stack.Push(Call((Global)stack.Pop()!, args)); break; }   // NEWOBJ
                    case (byte)'b': stack.Pop(); break;                                   // BUILD: a state dict's _metadata; not needed
                    case (byte)'Q': stack.Push(Persistent((object?[])stack.Pop()!)); break;
                    default: throw new ModelFormatException($"{path}: data.pkl uses pickle opcode 0x{op:x2} at byte {position - 1}, which plain tensor data does not need; not loaded.");
                }
            }
        }

        ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || position + count > code.Length) throw new EndOfStreamException("data.pkl ends early");
            var span = code.AsSpan(position, count);
            position += count;
            return span;
        }

        string Line()
        {
            var end = Array.IndexOf(code, (byte)'\n', position);
            if (end < 0) throw new EndOfStreamException("unterminated GLOBAL");
            var text = Encoding.ASCII.GetString(code, position, end - position);
            position = end + 1;
            return text;
        }

        static long Long(ReadOnlySpan<byte> bytes)
        {
            long value = 0;
            for (var i = bytes.Length - 1; i >= 0; i--) value = (value << 8) | bytes[i];
            if (bytes.Length is > 0 and < 8 && (bytes[^1] & 0x80) != 0) value -= 1L << (8 * bytes.Length);
            return value;
        }

        List<object?> PopMark()
        {
            var start = marks.Pop();
            var items = new List<object?>();
            while (stack.Count > start) items.Add(stack.Pop());
            items.Reverse();
            return items;
        }

        IDictionary<object, object?> Dict(object? value) =>
            value as IDictionary<object, object?> ?? throw new InvalidCastException($"SETITEM on a {Describe(value)}");

        /// <summary>The globals a state dict needs; every other name refuses the file.</summary>
        object Allow(string module, string name) => (module, name) switch
        {
            ("collections", "OrderedDict") => new Global(module, name),
            ("torch._utils", "_rebuild_tensor_v2" or "_rebuild_parameter") => new Global(module, name),
            ("torch", _) when Storages.TryGetValue(name, out var dtype) => new StorageType(dtype),
            _ => throw new ModelFormatException($"{path}: the pickle refers to '{module}.{name}', which is not a tensor, a storage or a plain container; not loaded (a pickle can run code on load)."),
        };

        object? Call(Global function, object?[] args) => function.Name switch
        {
            "OrderedDict" => new OrderedDictionary<object, object?>(),
            "_rebuild_tensor_v2" => Rebuild((Tensor)args[0]!, (long)args[1]!, Longs(args[2]), Longs(args[3])),
            "_rebuild_parameter" => args[0],
            _ => throw new ModelFormatException($"{path}: cannot call {function.Module}.{function.Name}."),
        };

        static long[] Longs(object? tuple) => ((object?[])tuple!).Select(v => (long)v!).ToArray();

        static Tensor Rebuild(Tensor storage, long offset, long[] size, long[] stride) =>
            size.Length == 0 ? storage[offset].clone() : storage.as_strided(size, stride, offset).clone();

        /// <summary>('storage', storage type, key, location, element count) → the storage's elements as a 1-D tensor.</summary>
        object Persistent(object?[] id)
        {
            if (id.Length < 5 || id[0] as string != "storage" || id[1] is not StorageType type)
                throw new ModelFormatException($"{path}: unknown persistent id in data.pkl.");
            return storage((string)id[2]!, type.DType, (long)id[4]!);
        }
    }
}
