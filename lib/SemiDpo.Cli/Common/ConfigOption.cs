using System.Reflection;
using SemiDpo.IO;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Common;

/// <summary>
/// <c>--config FILE</c>: a run's config.json fed back as the whole configuration. The options that would also shape it
/// may not be given with it (one source of truth: edit the file instead); the options naming data, output, device or
/// logging still apply.
/// </summary>
public static class ConfigOption
{
    public const string Name = "--config";

    /// <summary>
    /// The configuration from <paramref name="path"/>, or — without a file — from <paramref name="fromOptions"/>. With a file,
    /// an <see cref="ArgumentException"/> names every option in <paramref name="arguments"/> that shapes the configuration
    /// (every option of <typeparamref name="TSettings"/> except <paramref name="runOptions"/> and --config itself).
    /// </summary>
    public static TConfig Resolve<TConfig, TSettings>(string? path, IReadOnlyList<string> arguments, Func<TConfig> fromOptions, params string[] runOptions)
        where TConfig : class where TSettings : CommandSettings
    {
        if (path is null) return fromOptions();
        var shaping = typeof(TSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<CommandOptionAttribute>()).OfType<CommandOptionAttribute>()
            .SelectMany(a => a.LongNames).Select(n => "--" + n).Except(runOptions.Append(Name)).ToHashSet();
        var given = arguments.Select(a => a.Split('=', 2)[0]).Where(shaping.Contains).Distinct().ToList();
        if (given.Count > 0)
            throw new ArgumentException($"{string.Join(", ", given)} cannot be combined with {Name}: the file gives the whole configuration (edit it, or drop {Name}).");
        return RunConfigFile.Read<TConfig>(path);
    }
}
