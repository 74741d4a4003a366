using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Pretrained;

/// <summary>
/// Moves weights between a module and files by name: every parameter must be in the files with its shape, and every
/// stored tensor must be a parameter (except listed non-weight keys); otherwise the load is refused naming the keys.
/// Safetensors files are read one tensor at a time; each value is converted to its parameter's dtype and device.
/// </summary>
public static class ModuleWeights
{
    const int NamesShown = 8;

    /// <param name="rename">Maps a file's key to the module's name (older checkpoints' spellings); null = as is.</param>
    public static void Load(nn.Module module, IReadOnlyList<string> files, IReadOnlySet<string>? ignoredKeys = null, Func<string, string>? rename = null)
    {
        var stored = new Dictionary<string, (string File, SafeTensorEntry Entry)>();
        foreach (var file in files)
            foreach (var entry in SafeTensors.ReadHeader(file))
                stored[rename?.Invoke(entry.Name) ?? entry.Name] = (file, entry);
        var where = files.Count == 1 ? files[0] : $"{Path.GetDirectoryName(files[0])} ({files.Count} shards)";
        var parameters = Check(module, stored.ToDictionary(p => p.Key, p => p.Value.Entry.Shape), ignoredKeys, where);
        var streams = files.ToDictionary(f => f, f => (Stream)File.OpenRead(f));
        try
        {
            using var noGrad = no_grad();
            foreach (var (name, parameter) in parameters)
            {
                // Every temporary goes with the scope: an undisposed reshape of the value kept the value alive until .NET's
                // garbage collector finalised it (≈ 2 GB of SD1.5's UNet resident after the load).
                using var scope = NewDisposeScope();
                var (file, entry) = stored[name];
                parameter.copy_(SafeTensors.ReadTensor(streams[file], entry).reshape(parameter.shape));
            }
        }
        finally
        {
            foreach (var stream in streams.Values) stream.Dispose();
        }
    }

    /// <summary>The same checks and copy from tensors already in memory (e.g. a converted open_clip checkpoint); <paramref name="where"/> names their source.</summary>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> tensors, string where, IReadOnlySet<string>? ignoredKeys = null)
    {
        var parameters = Check(module, tensors.ToDictionary(p => p.Key, p => p.Value.shape), ignoredKeys, where);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            using var scope = NewDisposeScope();
            parameter.copy_(tensors[name].reshape(parameter.shape));
        }
    }

    /// <summary>The module's state dict, once every key and shape of <paramref name="stored"/> fits it.</summary>
    static Dictionary<string, Tensor> Check(nn.Module module, Dictionary<string, long[]> stored, IReadOnlySet<string>? ignoredKeys, string where)
    {
        var parameters = module.state_dict();
        var missing = parameters.Keys.Where(k => !stored.ContainsKey(k)).ToList();
        var unexpected = stored.Keys.Where(k => !parameters.ContainsKey(k) && !(ignoredKeys?.Contains(k) ?? false)).ToList();
        var misshaped = parameters.Where(p => stored.TryGetValue(p.Key, out var shape) && !FitShape(shape, p.Value.shape))
            .Select(p => $"{p.Key} [{string.Join("×", stored[p.Key])}] in the file, [{string.Join("×", p.Value.shape)}] in the model").ToList();
        if (missing.Count + unexpected.Count + misshaped.Count > 0)
            throw new ModelFormatException($"{where}: the weights do not fit {module.GetName()} built from its config — " +
                string.Join("; ", new[] { List("missing", missing), List("unexpected", unexpected), List("wrong shape", misshaped) }.Where(s => s.Length > 0)) + ".");
        return parameters;
    }

    /// <summary>Writes the module's weights as one safetensors file (diffusers' and transformers' "pt" format), in <paramref name="dtype"/> when given.</summary>
    public static void Save(nn.Module module, string path, ScalarType? dtype = null) => Save(module.state_dict(), path, dtype);

    /// <summary>Writes named tensors as one safetensors file ("pt" format), in <paramref name="dtype"/> when given.</summary>
    public static void Save(IReadOnlyDictionary<string, Tensor> weights, string path, ScalarType? dtype = null)
    {
        using var scope = NewDisposeScope();
        var tensors = weights.ToDictionary(p => p.Key, p => dtype is { } d && p.Value.is_floating_point() ? p.Value.to_type(d) : p.Value);
        SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>Same shape, or a 1×1 convolution kernel stored for a linear layer (older VAE attention weights).</summary>
    static bool FitShape(long[] stored, long[] model) =>
        stored.SequenceEqual(model) || (stored.Length == 4 && stored[2] == 1 && stored[3] == 1 && stored[..2].SequenceEqual(model));

    static string List(string what, List<string> names) => names.Count == 0 ? "" :
        $"{names.Count} {what}: {string.Join(", ", names.Take(NamesShown))}{(names.Count > NamesShown ? ", …" : "")}";
}
