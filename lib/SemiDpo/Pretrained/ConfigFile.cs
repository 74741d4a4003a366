using System.Text.Json;

namespace SemiDpo.Pretrained;

/// <summary>
/// Reads one diffusers / transformers <c>config.json</c>: typed fields with the library's defaults, fields that may
/// be one value or one per block, and a clear refusal of options this toolkit does not implement (so an unsupported
/// model fails on load, not with wrong numbers).
/// </summary>
public sealed class ConfigFile
{
    readonly JsonElement root;

    ConfigFile(string path, string json)
    {
        Path = path;
        Json = json;
        try
        {
            root = JsonDocument.Parse(json).RootElement;
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not valid JSON ({e.Message}).");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new ModelFormatException($"{path}: expected a JSON object.");
    }

    public string Path { get; }

    /// <summary>The file's text, written back unchanged when a trained model is exported.</summary>
    public string Json { get; }

    public static ConfigFile Read(string path) =>
        File.Exists(path) ? new ConfigFile(path, File.ReadAllText(path)) : throw new ModelFormatException($"{path}: no such config file.");

    public static ConfigFile Parse(string json, string path = "config.json") => new(path, json);

    /// <summary>A nested object (e.g. CLIPConfig's text_config), read with the same rules; empty when absent.</summary>
    public ConfigFile Section(string name) =>
        Has(name, out var v) && v.ValueKind == JsonValueKind.Object ? new ConfigFile($"{Path} ({name})", v.GetRawText()) : new ConfigFile($"{Path} ({name})", "{}");

    bool Has(string name, out JsonElement value) =>
        root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    public int Int(string name, int fallback) => Has(name, out var v) ? Get(name, () => v.GetInt32()) : fallback;
    public double Double(string name, double fallback) => Has(name, out var v) ? Get(name, () => v.GetDouble()) : fallback;
    public bool Bool(string name, bool fallback) => Has(name, out var v) ? Get(name, () => v.GetBoolean()) : fallback;
    public string String(string name, string fallback) => Has(name, out var v) ? Get(name, () => v.GetString()!) : fallback;
    public int? OptionalInt(string name) => Has(name, out var v) ? Get(name, () => v.GetInt32()) : null;

    public string[] Strings(string name, string[] fallback) =>
        Has(name, out var v) ? Get(name, () => v.EnumerateArray().Select(e => e.GetString()!).ToArray()) : fallback;

    public int[] Ints(string name, int[] fallback) =>
        Has(name, out var v) ? Get(name, () => v.EnumerateArray().Select(e => e.GetInt32()).ToArray()) : fallback;

    /// <summary>A field that is one integer or one per block (diffusers accepts both); expanded to <paramref name="count"/>.</summary>
    public int[] PerBlock(string name, int count, int fallback)
    {
        if (!Has(name, out var v)) return Enumerable.Repeat(fallback, count).ToArray();
        if (v.ValueKind == JsonValueKind.Number) return Enumerable.Repeat(Get(name, () => v.GetInt32()), count).ToArray();
        var values = Get(name, () => v.EnumerateArray().Select(e => e.GetInt32()).ToArray());
        if (values.Length != count) throw new ModelFormatException($"{Path}: '{name}' has {values.Length} values for {count} blocks.");
        return values;
    }

    /// <summary>Refuses a field that is present with a value other than the one this toolkit implements.</summary>
    public void Require(string name, object? supported, string what)
    {
        if (!Has(name, out var v)) return;
        var matches = supported switch
        {
            null => false,
            bool b => v.ValueKind is JsonValueKind.True or JsonValueKind.False && v.GetBoolean() == b,
            string s => v.ValueKind == JsonValueKind.String && v.GetString() == s,
            int i => v.ValueKind == JsonValueKind.Number && v.GetDouble() == i,
            double d => v.ValueKind == JsonValueKind.Number && v.GetDouble() == d,
            _ => false,
        };
        if (!matches) throw new ModelFormatException($"{Path}: '{name}' = {v.GetRawText()} is not supported ({what}).");
    }

    T Get<T>(string name, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new ModelFormatException($"{Path}: '{name}' has the wrong type ({root.GetProperty(name).GetRawText()}).");
        }
    }
}
