using SemiDpo.Imaging;
using SemiDpo.Torch;

namespace SemiDpo.World.Model;

/// <summary>
/// Captioned images for pretraining: a training prompt and a generator drawn uniformly, rendered with that
/// generator's flaws. Batch k depends only on (seed, k), so a resumed run sees the same images as a straight one.
/// </summary>
public sealed class WorldImageStream(int seed, int imageSize = 32)
{
    public (RgbImage[] Images, string[] Captions) Batch(long index, int size)
    {
        var images = new RgbImage[size];
        var captions = new string[size];
        var generators = GeneratorProfile.Defaults;
        var prompts = PromptGrammar.Train;
        Parallel.For(0, size, i =>
        {
            var rng = new Random(StableHash.Mix(StableHash.Mix(seed, index), i));
            var asked = prompts[rng.Next(prompts.Count)];
            images[i] = Renderer.Render(asked, generators[rng.Next(generators.Count)].SampleFlaws(asked, rng), imageSize, rng);
            captions[i] = asked.Caption;
        });
        return (images, captions);
    }
}
