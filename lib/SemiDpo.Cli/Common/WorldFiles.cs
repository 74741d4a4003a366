using System.Text.Json;
using SemiDpo.World;

namespace SemiDpo.Cli.Common;

/// <summary>The files of a world folder: pairs.parquet and the config it was built with.</summary>
public sealed record WorldFiles(string Folder)
{
    /// <summary>Where the CLI puts the default world (git-ignored).</summary>
    public static string DefaultFolder => Path.Combine("data", "cache", "world");

    public string Pairs => Path.Combine(Folder, "pairs.parquet");
    public string Config => Path.Combine(Folder, "world.json");

    public void WriteConfig(WorldConfig config) =>
        File.WriteAllText(Config, JsonSerializer.Serialize(new
        {
            config.Pairs, config.Seed, config.ImageSize, config.Annotators, config.FavouriteWeight,
            TemperatureMin = config.Temperatures.Min, TemperatureMax = config.Temperatures.Max, config.TieMargin,
            config.RowGroupSize, Weights = config.Weights, Generators = config.Generators.Select(g => g.Name),
        }, new JsonSerializerOptions { WriteIndented = true }));
}
