using System.Text.RegularExpressions;

namespace SemiDpo.World;

/// <summary>What a caption of the world asks for: <c>Count Color Shape(s) Placement on a Background background</c>.</summary>
public sealed partial record SceneSpec(Shape Shape, NamedColor Color, int Count, Placement Placement, NamedColor Background)
{
    /// <summary>The caption, e.g. "two red circles on the left on a blue background".</summary>
    public string Caption =>
        $"{Vocabulary.CountWords[Count - 1]} {Color.Name} {Vocabulary.Word(Shape, Count)} {Vocabulary.Phrase(Placement)} on a {Background.Name} background";

    /// <summary>Reads a caption of the world's grammar back into a scene; throws <see cref="FormatException"/> naming what did not parse.</summary>
    public static SceneSpec Parse(string caption)
    {
        var m = CaptionPattern().Match(caption.Trim().ToLowerInvariant());
        if (!m.Success)
            throw new FormatException($"'{caption}' is not a caption of the miniature world (expected e.g. \"two red circles on the left on a blue background\").");
        var count = Array.IndexOf(Vocabulary.CountWords.ToArray(), m.Groups["count"].Value) + 1;
        var shapeWord = m.Groups["shape"].Value.TrimEnd('s');
        if (!Enum.TryParse<Shape>(shapeWord, ignoreCase: true, out var shape))
            throw new FormatException($"Unknown shape '{m.Groups["shape"].Value}' in '{caption}'.");
        var placement = Enum.GetValues<Placement>().First(p => Vocabulary.Phrase(p) == m.Groups["place"].Value);
        return new SceneSpec(shape, Vocabulary.ObjectColor(m.Groups["color"].Value), count, placement,
            Vocabulary.BackgroundColor(m.Groups["bg"].Value));
    }

    [GeneratedRegex(@"^(?<count>one|two|three|four) (?<color>\w+) (?<shape>\w+) (?<place>on the left|on the right|at the top|at the bottom|in the center) on a (?<bg>\w+) background$")]
    private static partial Regex CaptionPattern();
}
