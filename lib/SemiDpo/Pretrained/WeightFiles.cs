using System.Text.Json;
using SemiDpo.IO;

namespace SemiDpo.Pretrained;

/// <summary>
/// The safetensors weight files of one component folder (diffusers or transformers layout): <c>{stem}.safetensors</c>,
/// a variant <c>{stem}.{variant}.safetensors</c> (e.g. fp16), or the shards listed in <c>{stem}.safetensors.index.json</c>.
/// </summary>
public static class WeightFiles
{
    public static IReadOnlyList<string> Find(string folder, string stem, string? variant = null)
    {
        var name = variant is null ? $"{stem}.safetensors" : $"{stem}.{variant}.safetensors";
        var single = Path.Combine(folder, name);
        if (File.Exists(single)) return [single];
        var index = single + ".index.json";
        if (File.Exists(index)) return Shards(index);
        var found = Directory.Exists(folder) ? Directory.GetFiles(folder).Select(Path.GetFileName).Order().ToList() : [];
        if (variant is null && found.Count(f => f!.StartsWith(stem + ".") && f.EndsWith(".safetensors")) == 1)
            return [Path.Combine(folder, found.Single(f => f!.StartsWith(stem + ".") && f.EndsWith(".safetensors"))!)];
        var pickled = found.Any(f => f!.EndsWith(".bin") || f.EndsWith(".ckpt") || f.EndsWith(".pth"));
        throw new ModelFormatException($"{folder}: no {name}" +
            (pickled ? " (only pickled weights, which are not read: save them with safe_serialization=True)" : "") +
            $"; files here: {(found.Count == 0 ? "none" : string.Join(", ", found))}.");
    }

    /// <summary>SHA-256 over the files' bytes in order, streamed (a 3.4 GB UNet is never held): what names a set of weights.</summary>
    public static string Sha256(IReadOnlyList<string> files)
    {
        using var hashed = new HashingStream(Stream.Null);
        foreach (var file in files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            stream.CopyTo(hashed, 1 << 20);
        }
        return Convert.ToHexStringLower(hashed.Digest());
    }

    static IReadOnlyList<string> Shards(string index)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(index));
            var folder = Path.GetDirectoryName(index)!;
            var files = json.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()!).Distinct().Order().ToList();
            foreach (var file in files.Where(f => !File.Exists(Path.Combine(folder, f))))
                throw new ModelFormatException($"{index}: lists shard {file}, which is missing.");
            return files.Select(f => Path.Combine(folder, f)).ToList();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ModelFormatException($"{index}: not a safetensors index (expected {{\"weight_map\": {{name: file}}}}).");
        }
    }
}
