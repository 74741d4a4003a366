using CsCheck;
using SemiDpo.Imaging;
using SemiDpo.World;

namespace SemiDpo.Tests.World;

/// <summary>Random images of the world for property tests: any prompt, any generator, any seed.</summary>
internal static class WorldSamples
{
    public sealed record Sample(SceneSpec Spec, RgbImage Image, RenderFlaws Flaws)
    {
        public override string ToString() => $"{Spec.Caption} | {Flaws}";
    }

    /// <summary>An image as a generator of the world draws it (mistakes included).</summary>
    public static readonly Gen<Sample> GeneratorImage =
        Gen.Int[0, PromptGrammar.All.Count - 1].Select(Gen.Int[0, GeneratorProfile.Defaults.Count - 1], Gen.Int)
            .Select((p, g, seed) =>
            {
                var rng = new Random(seed);
                var spec = PromptGrammar.All[p];
                var flaws = GeneratorProfile.Defaults[g].SampleFlaws(spec, rng);
                return new Sample(spec, Renderer.Render(spec, flaws, 32, rng), flaws);
            });

    /// <summary>A generator's image without pixel noise (every other mistake kept).</summary>
    public static readonly Gen<Sample> NoiseFreeImage =
        GeneratorImage.Select(s => Redraw(s, s.Flaws with { Noise = 0 }));

    /// <summary>
    /// An image that shows what its caption asks, in the asked colours and with separable objects: no alignment
    /// mistakes, no washed-out or dulled colours, no blur (which merges neighbours), no objects cut by the border,
    /// no pixel noise (which fragments low-contrast objects such as orange on yellow); jagged edges stay.
    /// </summary>
    public static readonly Gen<Sample> FaithfulImage =
        GeneratorImage.Select(s => Redraw(s, s.Flaws with
        {
            WrongColor = null, WrongShape = null, CountDelta = 0, WrongPlacement = null, WrongBackground = null,
            ContrastLoss = 0, Dullness = 0, Blur = 0, OffCenter = 0, Noise = 0,
        }));

    static Sample Redraw(Sample s, RenderFlaws flaws) =>
        s with { Flaws = flaws, Image = Renderer.Render(s.Spec, flaws, 32, new Random(s.Image.Pixels.Length + s.Spec.Count)) };
}
