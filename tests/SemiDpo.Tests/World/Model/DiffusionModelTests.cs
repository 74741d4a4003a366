using SemiDpo.Diffusion;
using SemiDpo.Torch;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.World.Model;

[Collection(TorchRandomCollection.Name)]
public class DiffusionModelTests
{
    static readonly UNetConfig Small = new(Channels: 8, TextWidth: 8);
    static readonly SamplerConfig FewSteps = new(Steps: 4, GuidanceScale: 2.0, Seed: 5);

    public DiffusionModelTests() => TorchRuntime.Init();

    [Fact]
    public void Sample_GivesEachPromptTheSameImageWhateverTheBatch()
    {
        Seeding.Everything(1);
        using var model = new DiffusionModel(Small, CPU);
        string[] prompts = ["one red circle in the center on a white background", "two blue squares on the left on a black background"];

        var together = model.Sample(prompts, FewSteps, batchSize: 2);
        var alone = model.Sample([prompts[1]], FewSteps, firstIndex: 1, batchSize: 1);

        Assert.Equal(together[1].Pixels, alone[0].Pixels);
        Assert.NotEqual(together[0].Pixels, together[1].Pixels);
    }

    [Fact]
    public void Backward_GivesFiniteGradientsToEveryParameter_PassAfterPass()
    {
        Seeding.Everything(2);
        using var model = new DiffusionModel(new UNetConfig(Channels: 16, TextWidth: 16), CPU);
        var tokens = model.Tokens(Enumerable.Repeat("three green triangles on the right on a gray background", 8).ToList());
        for (var pass = 0; pass < 25; pass++)
        {
            using var scope = NewDisposeScope();
            model.UNet.zero_grad();
            var x = randn(8, 3, 32, 32);
            model.PredictNoise(x, randint(0, 1000, [8]), tokens).pow(2).mean().backward();
            var bad = model.UNet.named_parameters().Where(p => p.parameter.grad is null || !p.parameter.grad.isfinite().all().item<bool>())
                .Select(p => p.name).ToList();
            Assert.True(bad.Count == 0, $"pass {pass}: non-finite or missing gradients in {string.Join(", ", bad)}");
        }
    }

    [Fact]
    public void SaveThenLoad_ReadsTheModelSizeFromTheFile()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "m.ckpt");
        Seeding.Everything(3);
        using var model = new DiffusionModel(Small, CPU);
        model.Save(path);

        using var loaded = DiffusionModel.Load(path, CPU);

        Assert.Equal(Small, loaded.Config);
        Assert.Equal(model.UNet.parameters().First().data<float>().ToArray(), loaded.UNet.parameters().First().data<float>().ToArray());
    }
}
