using System.Text.Json;
using System.Text.Json.Serialization;

namespace SemiDpo.IO;

/// <summary>
/// The config.json a run writes beside its results (a <c>ReproduceConfig</c>, a <c>SemiDpoConfig</c>, …) and reads back
/// (<c>--config FILE</c>): indented, enums by name (numbers still read), tuples kept (fields included), written atomically.
/// </summary>
public static class RunConfigFile
{
    public const string FileName = "config.json";

    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        IncludeFields = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string ToJson<T>(T config) => JsonSerializer.Serialize(config, Options);

    public static void Write<T>(string path, T config) => AtomicFile.Write(path, s => JsonSerializer.Serialize(s, config, Options));

    /// <summary>Reads a config written by <see cref="Write{T}"/>; a missing, empty or malformed file is an <see cref="InvalidDataException"/> naming it.</summary>
    public static T Read<T>(string path) where T : class
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such config file.", path);
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options)
                   ?? throw new InvalidDataException($"{path}: the file holds null, not a {typeof(T).Name}.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a {typeof(T).Name} as a run writes it ({e.Message}).", e);
        }
    }
}
