namespace SemiDpo.World;

/// <summary>Where objects go, in unit coordinates (x right, y down, 0…1). Shared by the renderer and the oracle.</summary>
public static class SceneLayout
{
    /// <summary>The point a placement refers to.</summary>
    public static (float X, float Y) Anchor(Placement placement) => placement switch
    {
        Placement.Left => (0.25f, 0.5f),
        Placement.Right => (0.75f, 0.5f),
        Placement.Top => (0.5f, 0.25f),
        Placement.Bottom => (0.5f, 0.75f),
        _ => (0.5f, 0.5f),
    };

    /// <summary>Object radius: larger for a single object.</summary>
    public static float Radius(int count) => count == 1 ? 0.15f : count == 2 ? 0.12f : 0.1f;

    /// <summary>Object centres: stacked vertically for left/right, in a row otherwise, around the anchor.</summary>
    public static IEnumerable<(float X, float Y)> Centres(Placement placement, int count)
    {
        var (ax, ay) = Anchor(placement);
        var spacing = 2.8f * Radius(count);
        var vertical = placement is Placement.Left or Placement.Right;
        for (var i = 0; i < count; i++)
        {
            var offset = (i - (count - 1) / 2f) * spacing;
            yield return vertical ? (ax, ay + offset) : (ax + offset, ay);
        }
    }

    /// <summary>True when local point (u, v), in units of the radius, lies inside the shape.</summary>
    public static bool Inside(Shape shape, float u, float v) => shape switch
    {
        Shape.Circle => u * u + v * v <= 1f,
        Shape.Square => MathF.Abs(u) <= 0.85f && MathF.Abs(v) <= 0.85f,
        Shape.Triangle => v <= 0.8f && v >= -1f && MathF.Abs(u) <= (v + 1f) / 1.8f,
        Shape.Diamond => MathF.Abs(u) + MathF.Abs(v) <= 1.1f,
        _ => u * u + v * v <= 1.1f && u * u + v * v >= 0.3f,
    };
}
