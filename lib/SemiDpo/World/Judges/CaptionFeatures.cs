using static TorchSharp.torch;

namespace SemiDpo.World.Judges;

/// <summary>
/// A caption of the world as slot-wise one-hot features (shape, colour, count, placement, background): the judges'
/// text input. Slots matter — "red … on a blue background" and "blue … on a red background" share every word.
/// </summary>
public static class CaptionFeatures
{
    static readonly int Shapes = Enum.GetValues<Shape>().Length;
    static readonly int Placements = Enum.GetValues<Placement>().Length;
    static readonly int Colors = Vocabulary.ObjectColors.Count;
    static readonly int Counts = Vocabulary.CountWords.Count;
    static readonly int Backgrounds = Vocabulary.BackgroundColors.Count;

    public static int Size => Shapes + Colors + Counts + Placements + Backgrounds;

    public static float[] Encode(SceneSpec spec)
    {
        var f = new float[Size];
        var offset = 0;
        f[offset + (int)spec.Shape] = 1; offset += Shapes;
        f[offset + IndexOf(Vocabulary.ObjectColors, spec.Color.Name)] = 1; offset += Colors;
        f[offset + spec.Count - 1] = 1; offset += Counts;
        f[offset + (int)spec.Placement] = 1; offset += Placements;
        f[offset + IndexOf(Vocabulary.BackgroundColors, spec.Background.Name)] = 1;
        return f;
    }

    /// <summary>(N, <see cref="Size"/>) features of N captions.</summary>
    public static Tensor Batch(IReadOnlyList<string> captions, Device device)
    {
        var data = new float[captions.Count * Size];
        for (var i = 0; i < captions.Count; i++) Encode(SceneSpec.Parse(captions[i])).CopyTo(data, i * Size);
        return tensor(data, [captions.Count, Size], device: device);
    }

    static int IndexOf(IReadOnlyList<NamedColor> palette, string name)
    {
        for (var i = 0; i < palette.Count; i++) if (palette[i].Name == name) return i;
        throw new ArgumentException($"Colour '{name}' is not in the palette.");
    }
}
