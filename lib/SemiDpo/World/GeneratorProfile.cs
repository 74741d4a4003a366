
namespace SemiDpo.World;

/// <summary>
/// A text-to-image "model" of the world, defined by how often it makes each mistake (probabilities per image).
/// Different generators are strong in different dimensions, so pairs often trade one dimension for another.
/// </summary>
public sealed record GeneratorProfile(
    string Name,
    double WrongColor, double WrongShape, double WrongCount, double WrongPlacement, double WrongBackground,
    double LowContrast, double Dull, double OffCenter,
    double Blur, double Noise, double Jagged)
{
    /// <summary>The default population of generators (the "models" of Pick-a-Pic's model_0 / model_1 columns).</summary>
    public static IReadOnlyList<GeneratorProfile> Defaults { get; } =
    [
        //          name              colour shape count place  bg    contr dull  offc   blur  noise jag
        new("tiny-diffusion-v1",    0.20, 0.20, 0.20, 0.20, 0.05,  0.30, 0.30, 0.25,  0.45, 0.40, 0.20),
        new("literal-gan",          0.04, 0.04, 0.04, 0.04, 0.01,  0.50, 0.50, 0.40,  0.25, 0.25, 0.15),
        new("painterly-xl",         0.30, 0.30, 0.30, 0.30, 0.05,  0.05, 0.05, 0.05,  0.55, 0.10, 0.05),
        new("crisp-vq",             0.25, 0.25, 0.20, 0.20, 0.05,  0.30, 0.30, 0.20,  0.03, 0.03, 0.05),
        new("draft-lcm",            0.15, 0.15, 0.15, 0.15, 0.03,  0.25, 0.25, 0.25,  0.30, 0.30, 0.30),
        new("master-v5",            0.07, 0.07, 0.07, 0.07, 0.01,  0.08, 0.08, 0.08,  0.08, 0.08, 0.05),
    ];

    /// <summary>Draws this generator's mistakes for one image of <paramref name="asked"/>.</summary>
    public RenderFlaws SampleFlaws(SceneSpec asked, Random rng)
    {
        bool Happens(double p) => rng.NextDouble() < p;
        float Between(float lo, float hi) => lo + rng.NextSingle() * (hi - lo);
        T Other<T>(IReadOnlyList<T> options, Func<T, bool> allowed) where T : notnull
        {
            var candidates = options.Where(allowed).ToList();
            return candidates[rng.Next(candidates.Count)];
        }

        var flaws = new RenderFlaws
        {
            WrongColor = Happens(WrongColor) ? Other(Vocabulary.ObjectColors, c => c.Name != asked.Color.Name && c.Name != asked.Background.Name) : null,
            WrongShape = Happens(WrongShape) ? Other(Enum.GetValues<Shape>(), s => s != asked.Shape) : null,
            CountDelta = Happens(WrongCount) ? (asked.Count == 1 || Happens(0.5) ? 1 : -1) : 0,
            WrongPlacement = Happens(WrongPlacement) ? Other(Enum.GetValues<Placement>(), p => p != asked.Placement) : null,
            ContrastLoss = Happens(LowContrast) ? Between(0.3f, 0.6f) : 0,
            Dullness = Happens(Dull) ? Between(0.35f, 0.75f) : 0,
            OffCenter = Happens(OffCenter) ? Between(0.5f, 1f) : 0,
            Blur = Happens(Blur) ? Between(0.6f, 1.5f) : 0,
            Noise = Happens(Noise) ? Between(0.03f, 0.12f) : 0,
            Jagged = Happens(Jagged),
        };
        var shownColor = flaws.WrongColor ?? asked.Color;
        return Happens(WrongBackground)
            ? flaws with { WrongBackground = Other(Vocabulary.BackgroundColors, b => b.Name != asked.Background.Name && b.Name != shownColor.Name) }
            : flaws;
    }
}
