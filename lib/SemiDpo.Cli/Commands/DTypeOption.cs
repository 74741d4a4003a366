using static TorchSharp.torch;

namespace SemiDpo.Cli.Commands;

/// <summary>The values of the <c>--*-dtype</c> options (<c>--frozen-dtype</c>, <c>--reference-dtype</c>, <c>--judge-dtype</c>).</summary>
internal static class DTypeOption
{
    public const string Choices = "float32, float16 or bfloat16";

    /// <summary>The dtype <paramref name="name"/> names, or null when it names none.</summary>
    public static ScalarType? Named(string name) => name switch
    {
        "float32" => ScalarType.Float32,
        "float16" => ScalarType.Float16,
        "bfloat16" => ScalarType.BFloat16,
        _ => null,
    };

    /// <summary>An optional option's value: null (the device's default) or the dtype it names; any other name is a one-line error.</summary>
    public static ScalarType? Parse(string? value, string option) =>
        value is null ? null : Named(value) ?? throw new ArgumentException($"{option}: '{value}' is not {Choices}.");
}
