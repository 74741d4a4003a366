using SemiDpo.Data;
using SemiDpo.Imaging;

namespace SemiDpo.World;

/// <summary>
/// Scores any image of the world from its PIXELS and its caption alone (no hidden render parameters), so samples of a
/// trained diffusion model can be scored by the same truth as the generators' images.
/// <list type="bullet">
/// <item>Alignment: the objects (connected regions that differ from the background, estimated from the border) have
/// the caption's count, colour, shape and place, and the background its colour.</item>
/// <item>Aesthetics: object/background contrast, colourfulness (Hasler–Süsstrunk) and composition (no object mass
/// cut by the border), scaled by 1 / (1 + 4·clutter), clutter being pixel noise relative to the contrast (a ratio
/// contrast changes leave alone).</item>
/// <item>Detail: edge sharpness (steepest step relative to the local range), less for blockiness (2×2 pixel blocks),
/// divided by 1 + 5·noise (residual from a 3×3 median in the flatter half of the image).</item>
/// </list>
/// </summary>
public static class PixelOracle
{
    public static OracleScores Score(RgbImage image, string caption) => Score(image, SceneSpec.Parse(caption));

    public static OracleScores Score(RgbImage image, SceneSpec asked)
    {
        var view = new PixelView(image);
        return new OracleScores(Alignment(view, asked), Aesthetics(view), Detail(view));
    }

    // ---- Alignment ----------------------------------------------------------------------------------------------

    static double Alignment(PixelView v, SceneSpec asked)
    {
        var components = v.Components();
        var count = Math.Exp(-1.2 * Math.Abs(components.Count - asked.Count));
        var background = Closeness(v.Background, asked.Background.Unit, 0.2);
        if (components.Count == 0) return 0.1 * background;

        var main = components.OrderByDescending(c => c.Count).Take(asked.Count).ToList();
        var colour = ColourProbability(v.CoreColor(main.SelectMany(c => c).ToList()), asked.Color);
        var shape = main.Average(c => ShapeFeatures.Probability(v, c, asked.Shape));
        var (cx, cy) = v.Centroid(components.SelectMany(c => c));
        var (ax, ay) = SceneLayout.Anchor(asked.Placement);
        var place = Math.Exp(-((cx - ax) * (cx - ax) + (cy - ay) * (cy - ay)) / (2 * 0.1 * 0.1));
        return 0.25 * count + 0.25 * colour + 0.2 * shape + 0.2 * place + 0.1 * background;
    }

    /// <summary>Softmax over the object palette of the closeness to each named colour: the probability the objects read as the asked one.</summary>
    static double ColourProbability((float R, float G, float B) seen, NamedColor asked)
    {
        var total = Vocabulary.ObjectColors.Sum(c => Closeness(seen, c.Unit, 0.18));
        return total < 1e-12 ? 0 : Closeness(seen, asked.Unit, 0.18) / total;
    }

    static double Closeness((float R, float G, float B) a, (float R, float G, float B) b, double scale)
    {
        var d2 = (a.R - b.R) * (a.R - b.R) + (a.G - b.G) * (a.G - b.G) + (a.B - b.B) * (a.B - b.B);
        return Math.Exp(-d2 / (2 * scale * scale));
    }

    // ---- Aesthetics ---------------------------------------------------------------------------------------------

    static double Aesthetics(PixelView v)
    {
        var contrast = 1 - Math.Exp(-v.ObjectContrast() / 0.35);
        var colourful = 1 - Math.Exp(-v.Colourfulness() / 0.25);
        var composition = 1 - Math.Min(1, 4 * v.BorderMassFraction());
        var objectContrast = v.ObjectContrast();
        var clutter = objectContrast < 1e-3 ? 0 : 1 / (1 + 4 * v.NoiseLevel() / objectContrast);
        return (0.45 * contrast + 0.3 * colourful + 0.25 * composition) * clutter;
    }

    // ---- Detail -------------------------------------------------------------------------------------------------

    static double Detail(PixelView v)
    {
        var sharp = v.EdgeSharpness();
        var blocky = v.Blockiness();
        return sharp * (0.8 + 0.2 * (1 - blocky)) / (1 + 5 * v.NoiseLevel());
    }
}
