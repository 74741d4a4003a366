using SemiDpo.Diffusion;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.StableDiffusion;

/// <summary>A LoRA run's checkpoint: the adapters and their optimizer state only, tied to the base weights it was trained on.</summary>
[Collection(TorchRandomCollection.Name)]
public class LoraCheckpointTests
{
    public LoraCheckpointTests() => TorchRuntime.Init();

    static StableDiffusionModel LoraModel(string folder, int seed)
    {
        var model = StableDiffusionModel.Load(folder, CPU);
        model.EnableLora(new LoraConfig(Rank: 2));
        Seeding.Everything(seed);
        using var noGrad = no_grad();
        foreach (var (name, p) in model.UNet.named_parameters())
            if (name.Contains("lora_B")) nn.init.normal_(p, 0, 0.05);
        return model;
    }

    static TorchSharp.Modules.OptimizerHelper AdamW(StableDiffusionModel model) =>
        optim.AdamW(model.UNet.parameters().Where(p => p.requires_grad), 1e-3);

    [Fact]
    public void ALoraCheckpoint_HoldsOnlyTheAdapters_AndResumesThemExactly()
    {
        using var temp = TestPaths.NewTempFolder();
        var (lora, full) = (Path.Combine(temp.Path, "lora.ckpt"), Path.Combine(temp.Path, "full.ckpt"));
        using var trained = LoraModel(SdFixture.TinySd, seed: 3);
        trained.Save(lora, AdamW(trained), step: 2, runConfigJson: "{}");
        using (var plain = SdFixture.Load()) plain.Save(full, AdamW(plain), step: 2, runConfigJson: "{}");

        var header = Checkpoint.ReadHeader(lora);
        var adapters = trained.UNet.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).Order(StringComparer.Ordinal);
        Assert.Equal(adapters, header.Keys!);
        Assert.All(header.Keys!, k => Assert.Contains(".lora_", k));
        Assert.True(new FileInfo(lora).Length * 3 < new FileInfo(full).Length, $"LoRA {new FileInfo(lora).Length} B vs full {new FileInfo(full).Length} B");

        using var resumed = LoraModel(SdFixture.TinySd, seed: 4);
        Assert.Equal(2, resumed.Resume(lora, AdamW(resumed), "{}").Step);
        var expected = trained.UNet.state_dict();
        Assert.All(resumed.UNet.state_dict(), e => Assert.True(e.Value.equal(expected[e.Key]).all().item<bool>(), e.Key));
    }

    [Fact]
    public void ALoraCheckpoint_IsRefused_AgainstAFolderWithOtherUNetWeights()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "lora.ckpt");
        using (var trained = LoraModel(SdFixture.TinySd, seed: 3)) trained.Save(path, AdamW(trained), step: 1, runConfigJson: "{}");
        using var other = SdFixture.CopyOfTinySd();
        var weights = Path.Combine(other.Path, "unet", "diffusion_pytorch_model.safetensors");
        using (var file = File.OpenWrite(weights))
        {
            file.Position = file.Length - 3;   // the last weight's low mantissa byte: another base, same architecture
            file.WriteByte(0x11);
        }

        using var elsewhere = LoraModel(other.Path, seed: 3);
        var e = Assert.Throws<CheckpointException>(() => elsewhere.Resume(path, AdamW(elsewhere), "{}"));
        Assert.Contains("BaseUNetSha256", e.Message);
    }
}
