using SemiDpo.Pretrained;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.StableDiffusion;

/// <summary>Loading and saving diffusers folders: what is refused, with which message, and what survives a round trip.</summary>
public class DiffusersLoadingTests
{
    public DiffusersLoadingTests() => TorchRuntime.Init();

    static string UNetWeights(string root) => Path.Combine(root, "unet", "diffusion_pytorch_model.safetensors");

    /// <summary>A writable copy of the tiny fixture folder.</summary>

    static void RewriteUNet(string root, Func<Dictionary<string, Tensor>, Dictionary<string, Tensor>> change) =>
        SafeTensors.Write(UNetWeights(root), change(SafeTensors.Read(UNetWeights(root))));

    [Fact]
    public void RenamedKey_IsRefused_NamingTheMissingAndTheUnexpectedKey()
    {
        using var copy = SdFixture.CopyOfTinySd();
        RewriteUNet(copy.Path, w =>
        {
            w["conv_in.weights"] = w["conv_in.weight"];
            w.Remove("conv_in.weight");
            return w;
        });
        var e = Assert.Throws<ModelFormatException>(() => StableDiffusionModel.Load(copy.Path, CPU));
        Assert.Contains("1 missing: conv_in.weight", e.Message);
        Assert.Contains("1 unexpected: conv_in.weights", e.Message);
        Assert.Contains(UNetWeights(copy.Path), e.Message);
    }

    [Fact]
    public void MisShapedKey_IsRefused_WithBothShapes()
    {
        using var copy = SdFixture.CopyOfTinySd();
        RewriteUNet(copy.Path, w =>
        {
            w["conv_out.bias"] = zeros(5, dtype: ScalarType.Float16);
            return w;
        });
        var e = Assert.Throws<ModelFormatException>(() => StableDiffusionModel.Load(copy.Path, CPU));
        Assert.Contains("wrong shape: conv_out.bias [5] in the file, [4] in the model", e.Message);
    }

    [Fact]
    public void TruncatedWeights_AreRefused_NamingTheFile()
    {
        using var copy = SdFixture.CopyOfTinySd();
        var path = UNetWeights(copy.Path);
        using (var stream = File.OpenWrite(path)) stream.SetLength(stream.Length / 2);
        var e = Assert.Throws<InvalidDataException>(() => StableDiffusionModel.Load(copy.Path, CPU));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void UnsupportedConfigOption_IsRefused_NamingTheField()
    {
        using var copy = SdFixture.CopyOfTinySd();
        var config = Path.Combine(copy.Path, "unet", "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"addition_embed_type\": null", "\"addition_embed_type\": \"text_time\""));
        var e = Assert.Throws<ModelFormatException>(() => StableDiffusionModel.Load(copy.Path, CPU));
        Assert.Contains("'addition_embed_type' = \"text_time\" is not supported", e.Message);
    }

    [Fact]
    public void PickledWeightsOnly_AreRefused_WithTheReason()
    {
        using var copy = SdFixture.CopyOfTinySd();
        File.Move(UNetWeights(copy.Path), Path.Combine(copy.Path, "unet", "diffusion_pytorch_model.bin"));
        var e = Assert.Throws<ModelFormatException>(() => StableDiffusionModel.Load(copy.Path, CPU));
        Assert.Contains("only pickled weights", e.Message);
    }

    [Fact]
    public void SavedUNet_LoadsBack_WithIdenticalOutputs()
    {
        var r = SdFixture.Reference();
        using var model = SdFixture.Load();
        using var copy = SdFixture.CopyOfTinySd();
        Directory.Delete(Path.Combine(copy.Path, "unet"), recursive: true);
        model.SaveUNet(copy.Path);
        using var reloaded = StableDiffusionModel.Load(copy.Path, CPU);
        using var noGrad = no_grad();
        var before = model.UNet.forward(r["unet/sample"], r["unet/t"], r["unet/context"]);
        var after = reloaded.UNet.forward(r["unet/sample"], r["unet/t"], r["unet/context"]);
        Assert.True(before.equal(after).all().item<bool>(), "outputs differ after save and load");
        Assert.Equal(File.ReadAllText(Path.Combine(SdFixture.TinySd, "unet", "config.json")), File.ReadAllText(Path.Combine(copy.Path, "unet", "config.json")));
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Int64)]
    public void SafeTensors_RoundTrip_KeepsDTypeShapeAndBits(ScalarType dtype)
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "x.safetensors");
        var original = (randn(3, 5, 2) * 100).to_type(dtype);
        SafeTensors.Write(path, new Dictionary<string, Tensor> { ["a.b"] = original, ["empty"] = zeros(0, dtype: dtype) });
        var read = SafeTensors.Read(path);
        Assert.Equal(dtype, read["a.b"].dtype);
        Assert.Equal(original.shape, read["a.b"].shape);
        Assert.True(original.equal(read["a.b"]).all().item<bool>());
        Assert.Equal(0, read["empty"].numel());
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp"));
    }

    [Fact]
    public void SafeTensorsMap_GivesWhatReadGives_AndReadsTheFileWhenARowIsUsed()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "x.safetensors");
        // Sorted by name: "a" (3 float16 = 6 bytes) puts "b" (float32) at an offset that is not a multiple of 4: read, not mapped.
        var tensors = new Dictionary<string, Tensor>
        {
            ["a"] = randn(3).to_type(ScalarType.Float16), ["b"] = randn(2, 3), ["c"] = randn(4, 2, 2).to_type(ScalarType.Float16), ["d"] = zeros(0),
        };
        SafeTensors.Write(path, tensors);

        var mapped = SafeTensors.Map(path);
        Assert.All(tensors, t => Assert.True(t.Value.equal(mapped[t.Key]).all().item<bool>(), t.Key));

        // Change c's last row in the file: the mapped tensor shows the new bytes (it reads the file), the read one does not.
        var read = SafeTensors.Read(path);
        var c = SafeTensors.ReadHeader(path).Single(e => e.Name == "c");
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.Position = c.Offset + c.Length - 8;
            stream.Write(full(4, 7f).to_type(ScalarType.Float16).bytes);
        }
        Assert.Equal(7f, mapped["c"][3].to_type(ScalarType.Float32).mean().item<float>());
        Assert.NotEqual(7f, read["c"][3].to_type(ScalarType.Float32).mean().item<float>());
        Assert.True(read["c"][..3].equal(mapped["c"][..3]).all().item<bool>());
        foreach (var t in mapped.Values.Concat(read.Values)) t.Dispose();
    }

    [Fact]
    public void Fp16Variant_IsFound_WhenItIsTheOnlyWeightFile()
    {
        using var copy = SdFixture.CopyOfTinySd();
        var variant = Path.Combine(copy.Path, "unet", "diffusion_pytorch_model.fp16.safetensors");
        File.Move(UNetWeights(copy.Path), variant);
        Assert.Equal([variant], WeightFiles.Find(Path.Combine(copy.Path, "unet"), "diffusion_pytorch_model"));
        Assert.Equal([variant], new DiffusersFolder(copy.Path, "fp16").Weights("unet", "diffusion_pytorch_model"));
    }

    [Fact]
    public void FrozenPartsInHalfPrecision_GiveFloat32Latents_CloseToFloat32()
    {
        var r = SdFixture.Reference();
        using var full = SdFixture.Load(new StableDiffusionOptions(SampleLatents: false));
        using var half = SdFixture.Load(new StableDiffusionOptions(FrozenDType: ScalarType.BFloat16, SampleLatents: false));
        var a = full.ToTrainingSpace(r["vae/images"]);
        var b = half.ToTrainingSpace(r["vae/images"]);
        Assert.Equal(ScalarType.Float32, b.dtype);
        Assert.Equal(ScalarType.BFloat16, half.Vae.parameters().First().dtype);
        SdFixture.AssertClose(a, b, "bf16 VAE latents", tolerance: 0.05);
    }
}
