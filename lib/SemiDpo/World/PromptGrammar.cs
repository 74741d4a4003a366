using System.Text;

namespace SemiDpo.World;

/// <summary>
/// Every caption of the world (shape × colour × count × placement × background, object colour ≠ background colour)
/// and a fixed held-out split for evaluation that training never sees: a prompt is held out when a hash of its
/// caption falls below <see cref="HeldOutFraction"/>, so the split does not depend on any seed.
/// </summary>
public static class PromptGrammar
{
    public const double HeldOutFraction = 0.1;

    public static IReadOnlyList<SceneSpec> All { get; } = Enumerate().ToList();
    public static IReadOnlyList<SceneSpec> Train { get; } = All.Where(s => !IsHeldOut(s.Caption)).ToList();
    public static IReadOnlyList<SceneSpec> HeldOut { get; } = All.Where(s => IsHeldOut(s.Caption)).ToList();

    public static bool IsHeldOut(string caption) => Fnv1a(caption) < HeldOutFraction * uint.MaxValue;

    /// <summary>32-bit FNV-1a of the UTF-8 bytes: stable across runs, processes and platforms (unlike string.GetHashCode).</summary>
    static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 16777619u;
        return hash;
    }

    static IEnumerable<SceneSpec> Enumerate() =>
        from shape in Enum.GetValues<Shape>()
        from color in Vocabulary.ObjectColors
        from count in new[] { 1, 2, 3 }
        from placement in Enum.GetValues<Placement>()
        from background in Vocabulary.BackgroundColors
        where background.Name != color.Name
        select new SceneSpec(shape, color, count, placement, background);
}
