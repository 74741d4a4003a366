using SemiDpo.Imaging;
using SemiDpo.Preferences;
using SemiDpo.Tests.StableDiffusion;
using SemiDpo.Torch;
using SemiDpo.World;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Imaging;

public class PilResizeTests
{
    public PilResizeTests() => TorchRuntime.Init();

    [Fact]
    public void BilinearFit_MatchesPilsResizeAndCentreCrop_WithinOneGreyLevel()
    {
        var r = SafeTensors.Read(SdFixture.Folder("clip-reference.safetensors"));
        var image = new RgbImage(45, 37, r["image_bytes"].data<byte>().ToArray());
        var fitted = PilResize.Fit(image, 32, InterpolationMode.Bilinear);
        Assert.Equal((32, 32), (fitted.Width, fitted.Height));
        var differences = r["pil_bilinear"].data<byte>().ToArray().Zip(fitted.Pixels, (a, b) => Math.Abs(a - b)).ToList();
        Assert.True(differences.Max() <= 1, $"max difference {differences.Max()} grey levels");
        Assert.True(differences.Count(d => d > 0) < 0.05 * differences.Count, $"{differences.Count(d => d > 0)} of {differences.Count} values differ");   // PIL rounds in fixed point
    }

    [Fact]
    public void PairSet_OfMixedImageSizes_NeedsAResolution_AndThenFitsEveryImage()
    {
        var pairs = new WorldBuilder(new WorldConfig(Pairs: 6, Seed: 2)).Pairs(0, 6).Where(p => !p.IsTie).ToList();
        var big = RgbImage.Filled(48, 40, 200, 10, 10);
        pairs[1] = pairs[1] with { Image1 = big };
        var tokenizer = new CaptionTokenizer();

        var e = Assert.Throws<ArgumentException>(() => PairSet.From(pairs, tokenizer));
        Assert.Contains("Pair 1", e.Message);
        Assert.Contains("give a resolution", e.Message);

        using var set = PairSet.From(pairs, tokenizer, resolution: 16);
        Assert.Equal([(long)pairs.Count, 3, 16, 16], set.Winners.Shape);
        var second = set.Images([1], winners: pairs[1].HumanPreference < 0)[0];   // the pair's 48×40 red image, fitted
        Assert.Equal((16, 16), (second.Width, second.Height));
        Assert.Equal([200, 10, 10], second.Pixels[..3].Select(b => (int)b));
    }
}
