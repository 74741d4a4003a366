using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.StableDiffusion;

[Collection(TorchRandomCollection.Name)]
public class ExportTests
{
    public ExportTests() => TorchRuntime.Init();

    [Fact]
    public void Export_WritesThePipelineComponentsOnly_NotRootCheckpointsGitOrOtherVariants_AndLoadsBack()
    {
        using var source = SdFixture.CopyOfTinySd();
        var junk = new[] { "v1-5-pruned.ckpt", Path.Combine(".git", "objects", "ab"), Path.Combine("vae", "diffusion_pytorch_model.fp16.safetensors"),
            Path.Combine("vae", "diffusion_pytorch_model.bin"), Path.Combine("text_encoder", "model.fp16.safetensors"), Path.Combine("unused", "config.json") };
        foreach (var file in junk)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(source.Path, file))!);
            File.WriteAllText(Path.Combine(source.Path, file), "not needed");
        }
        using var out_ = TestPaths.NewTempFolder();
        var export = Path.Combine(out_.Path, "export");

        using (var model = StableDiffusionModel.Load(source.Path, CPU)) model.Export(export);

        var written = Directory.GetFiles(export, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(export, f)).Order(StringComparer.Ordinal).ToList();
        Assert.Empty(written.Intersect(junk));
        Assert.Contains("model_index.json", written);
        Assert.Contains(Path.Combine("unet", "diffusion_pytorch_model.safetensors"), written);
        Assert.Contains(Path.Combine("vae", "diffusion_pytorch_model.safetensors"), written);
        Assert.Contains(Path.Combine("text_encoder", "model.safetensors"), written);
        Assert.Contains(Path.Combine("tokenizer", "vocab.json"), written);
        Assert.Contains(Path.Combine("scheduler", "scheduler_config.json"), written);
        using var back = StableDiffusionModel.Load(export, CPU);
        using var original = SdFixture.Load();
        Assert.Equal(original.UNet.parameters().Sum(p => p.numel()), back.UNet.parameters().Sum(p => p.numel()));
    }
}
