using static TorchSharp.torch;

namespace SemiDpo.Cli.Commands;

/// <summary>The value of <c>--judge-dtype</c>: null (the device's default) or the dtype it names.</summary>
internal static class JudgeDTypeOption
{
    public static ScalarType? Parse(string? value) => value switch
    {
        null => null,
        "float32" => ScalarType.Float32,
        "float16" => ScalarType.Float16,
        "bfloat16" => ScalarType.BFloat16,
        _ => throw new ArgumentException($"--judge-dtype: '{value}' is not float32, float16 or bfloat16."),
    };
}
