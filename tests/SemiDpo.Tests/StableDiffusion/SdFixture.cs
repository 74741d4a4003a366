using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.StableDiffusion;

/// <summary>The committed Stable Diffusion fixture (tests/fixtures/make_sd_fixture.py: diffusers v0.25.1, openai/CLIP, PyTorch 1.13).</summary>
internal static class SdFixture
{
    public static string Folder(string name) => Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", name);
    public static string TinySd => Folder("tiny-sd");

    /// <summary>Reference inputs and outputs, float32 (ids and timesteps int64).</summary>
    public static Dictionary<string, Tensor> Reference() => SafeTensors.Read(Folder("sd-reference.safetensors"));

    /// <summary>A writable copy of the tiny SD folder (deleted when disposed).</summary>
    public static TestPaths.TempFolder CopyOfTinySd()
    {
        var temp = TestPaths.NewTempFolder();
        foreach (var file in Directory.GetFiles(TinySd, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(temp.Path, Path.GetRelativePath(TinySd, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return temp;
    }

    public static StableDiffusionModel Load(StableDiffusionOptions? options = null) => StableDiffusionModel.Load(TinySd, CPU, options);

    /// <summary>The tiny SD with rank-4 LoRA adapters whose B is drawn (fresh adapters start at B = 0 and change nothing yet).</summary>
    public static StableDiffusionModel LoadWithLora(int seed = 3)
    {
        Seeding.Everything(seed);
        var model = Load();
        model.EnableLora(new LoraConfig(Rank: 4));
        using (no_grad())
            foreach (var (name, p) in model.UNet.named_parameters())
                if (name.Contains("lora_B")) nn.init.normal_(p, 0, 0.05);
        return model;
    }

    /// <summary>max |actual − expected| / max(max |expected|, 1) &lt; tolerance.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, string what, double tolerance = 1e-4)
    {
        Assert.Equal(expected.shape, actual.shape);
        var scale = Math.Max(expected.abs().max().item<float>(), 1f);
        var error = (actual.to_type(ScalarType.Float32) - expected).abs().max().item<float>() / scale;
        Assert.True(error < tolerance, $"{what}: max error {error:E2} relative to {scale:G3}");
    }
}
