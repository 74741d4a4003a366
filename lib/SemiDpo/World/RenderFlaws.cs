
namespace SemiDpo.World;

/// <summary>
/// The controlled mistakes a generator makes on one image, in the three dimensions annotators judge.
/// Alignment: wrong colour, shape, count, placement or background. Aesthetics: object colour washed toward the
/// background (low contrast), a dull desaturated palette, objects pushed off-centre and cut by the border.
/// Detail: blur, pixel noise, jagged (pixelated) edges. <see cref="None"/> renders the caption faithfully.
/// </summary>
public sealed record RenderFlaws
{
    public static RenderFlaws None { get; } = new();

    public NamedColor? WrongColor { get; init; }
    public Shape? WrongShape { get; init; }
    public int CountDelta { get; init; }
    public Placement? WrongPlacement { get; init; }
    public NamedColor? WrongBackground { get; init; }

    /// <summary>0…1: how far the object colour is blended toward the background colour.</summary>
    public float ContrastLoss { get; init; }
    /// <summary>0…1: how far every colour is blended toward its own grey.</summary>
    public float Dullness { get; init; }
    /// <summary>0…1: how far the objects are pushed toward a border (1 ≈ a third of the image).</summary>
    public float OffCenter { get; init; }

    /// <summary>Gaussian blur sigma in pixels at 32×32 (scaled with the image size); 0 = none.</summary>
    public float Blur { get; init; }
    /// <summary>Standard deviation of per-pixel Gaussian noise in 0…1 units; 0 = none.</summary>
    public float Noise { get; init; }
    /// <summary>Render at half resolution without anti-aliasing and upscale: blocky, jagged edges.</summary>
    public bool Jagged { get; init; }

    /// <summary>The scene the image actually shows once the alignment mistakes are applied.</summary>
    public SceneSpec Apply(SceneSpec asked) => asked with
    {
        Color = WrongColor ?? asked.Color,
        Shape = WrongShape ?? asked.Shape,
        Count = Math.Clamp(asked.Count + CountDelta, 1, 4),
        Placement = WrongPlacement ?? asked.Placement,
        Background = WrongBackground ?? asked.Background,
    };
}
