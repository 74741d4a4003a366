namespace SemiDpo.World;

/// <summary>Shapes the miniature world can draw.</summary>
public enum Shape { Circle, Square, Triangle, Diamond, Ring }

/// <summary>Where the objects of a scene sit.</summary>
public enum Placement { Left, Right, Top, Bottom, Center }

/// <summary>A named colour of the world's palette with its canonical RGB value.</summary>
public sealed record NamedColor(string Name, byte R, byte G, byte B)
{
    /// <summary>Colour as three floats in 0…1.</summary>
    public (float R, float G, float B) Unit => (R / 255f, G / 255f, B / 255f);
}

/// <summary>The words of the prompt grammar.</summary>
public static class Vocabulary
{
    public static readonly IReadOnlyList<NamedColor> ObjectColors =
    [
        new("red", 220, 40, 40), new("green", 40, 170, 60), new("blue", 40, 80, 220), new("yellow", 235, 210, 40),
        new("purple", 140, 60, 180), new("orange", 240, 140, 30), new("white", 240, 240, 240), new("black", 25, 25, 25),
    ];

    public static readonly IReadOnlyList<NamedColor> BackgroundColors =
    [
        new("white", 240, 240, 240), new("black", 25, 25, 25), new("gray", 128, 128, 128),
        new("blue", 40, 80, 220), new("green", 40, 170, 60), new("yellow", 235, 210, 40),
    ];

    /// <summary>Count words; prompts ask for one to three objects, a generator's mistake may draw four.</summary>
    public static readonly IReadOnlyList<string> CountWords = ["one", "two", "three", "four"];

    public static string Word(Shape shape, int count) =>
        shape.ToString().ToLowerInvariant() + (count > 1 ? "s" : "");

    public static string Phrase(Placement placement) => placement switch
    {
        Placement.Left => "on the left",
        Placement.Right => "on the right",
        Placement.Top => "at the top",
        Placement.Bottom => "at the bottom",
        _ => "in the center",
    };

    public static NamedColor ObjectColor(string name) =>
        ObjectColors.FirstOrDefault(c => c.Name == name) ?? throw new ArgumentException($"Unknown object colour '{name}'.");

    public static NamedColor BackgroundColor(string name) =>
        BackgroundColors.FirstOrDefault(c => c.Name == name) ?? throw new ArgumentException($"Unknown background colour '{name}'.");
}
