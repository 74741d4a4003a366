using CsCheck;
using SemiDpo.Data;
using SemiDpo.Imaging;
using SemiDpo.World;

namespace SemiDpo.Tests.World;

public class PixelOracleTests
{
    /// <summary>
    /// On noise-free images (blur also removes pixel noise, a trade the oracle may judge either way); an image with no
    /// visible edge at all has no detail to lose.
    /// </summary>
    [Fact]
    public void Blurring_LowersDetail_OnRandomNoiseFreeWorldImages() =>
        WorldSamples.NoiseFreeImage.Sample(s =>
        {
            var before = PixelOracle.Score(s.Image, s.Spec).Detail;
            return before == 0 || PixelOracle.Score(ImageOps.Blur(s.Image, 1.5f), s.Spec).Detail < before;
        }, iter: 300);

    [Fact]
    public void LoweringContrast_LowersAesthetics_OnRandomWorldImages() =>
        WorldSamples.GeneratorImage.Sample(s =>
            PixelOracle.Score(ImageOps.ScaleContrast(s.Image, 0.5f), s.Spec).Aesthetics < PixelOracle.Score(s.Image, s.Spec).Aesthetics, iter: 300);

    [Fact]
    public void RecolouringAwayFromThePrompt_LowersAlignment_OnRandomFaithfulImages() =>
        WorldSamples.FaithfulImage.Sample(s =>
        {
            var bg = s.Spec.Background;
            var recoloured = ImageOps.ReflectThroughBackground(s.Image, (bg.R, bg.G, bg.B));
            return PixelOracle.Score(recoloured, s.Spec).Alignment < PixelOracle.Score(s.Image, s.Spec).Alignment;
        }, iter: 300);

    [Fact]
    public void FaithfulCleanRenders_ScoreHigherThanRandomNoise_OnEveryDimension()
    {
        var rng = new Random(5);
        var clean = new List<OracleScores>();
        var noise = new List<OracleScores>();
        foreach (var spec in PromptGrammar.All.Where((_, i) => i % 40 == 0))
        {
            clean.Add(PixelOracle.Score(Renderer.Render(spec, RenderFlaws.None, 32, rng), spec));
            var pixels = new byte[32 * 32 * 3];
            rng.NextBytes(pixels);
            noise.Add(PixelOracle.Score(new RgbImage(32, 32, pixels), spec));
        }
        foreach (var d in Enum.GetValues<Dimension>())
            Assert.True(clean.Average(s => s[d]) > noise.Average(s => s[d]) + 0.2, $"{d}: clean {clean.Average(s => s[d]):F3} vs noise {noise.Average(s => s[d]):F3}");
    }

    [Fact]
    public void Scores_AreDeterministicFunctionsOfPixelsAndCaption() =>
        WorldSamples.GeneratorImage.Sample(s =>
            PixelOracle.Score(s.Image, s.Spec) == PixelOracle.Score(new RgbImage(32, 32, (byte[])s.Image.Pixels.Clone()), s.Spec.Caption), iter: 50);

    [Fact]
    public void Scores_StayInZeroToOne() =>
        WorldSamples.GeneratorImage.Sample(s =>
        {
            var o = PixelOracle.Score(s.Image, s.Spec);
            return Enum.GetValues<Dimension>().All(d => o[d] is >= 0 and <= 1);
        }, iter: 200);
}
