using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.StableDiffusion;

/// <summary>
/// LoRA files as diffusers and the official code read and write them (pytorch_lora_weights.safetensors), checked against
/// diffusers 0.25.1 (tests/fixtures/make_lora_fixture.py), and the official iteration rule: fuse, then fresh adapters.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public class LoraFileTests
{
    public LoraFileTests() => TorchRuntime.Init();

    static readonly string DiffusersLora = SdFixture.Folder("tiny-sd-lora");

    static Dictionary<string, Tensor> Reference() => SafeTensors.Read(SdFixture.Folder("lora-reference.safetensors"));

    static Tensor Predict(StableDiffusionModel model)
    {
        var r = Reference();
        using var noGrad = no_grad();
        return model.UNet.forward(r["sample"], r["t"], r["context"]);
    }

    [Fact]
    public void ADiffusersLoraFile_LoadedIntoTinySd_GivesDiffusersOutput_AndFusingKeepsIt()
    {
        using var model = SdFixture.Load();
        var plain = Predict(model);

        model.EnableLora(DiffusersLora);

        Assert.Equal(2, model.Lora!.Rank);
        Assert.True((Predict(model) - plain).abs().max().item<float>() > 1e-2, "the LoRA must change the output");
        SdFixture.AssertClose(Reference()["eps"], Predict(model), "UNet with diffusers' LoRA loaded");
        using var fused = model.CopyFused(1);
        SdFixture.AssertClose(Reference()["eps_fused"], Predict(fused), "UNet after fuse_lora");
    }

    [Fact]
    public void WrittenLora_HasTheNamesAndValuesDiffusersWrote()
    {
        using var temp = TestPaths.NewTempFolder();
        using var model = SdFixture.Load();
        model.EnableLora(DiffusersLora);

        var written = model.WriteLora(temp.Path);

        var theirs = SafeTensors.Read(Path.Combine(DiffusersLora, LoraWeightsFile.FileName));
        var ours = SafeTensors.Read(written);
        Assert.Equal(theirs.Keys.Order(), ours.Keys.Order());
        Assert.All(theirs, p => Assert.True(p.Value.equal(ours[p.Key]).all().item<bool>(), p.Key));
    }

    [Fact]
    public void FusedIterations_WriteOneLora_ThatRebuildsTheModelFromTheBase()
    {
        using var temp = TestPaths.NewTempFolder();
        using var iter0 = SdFixture.Load();
        iter0.EnableLora(DiffusersLora);
        using var iter1 = iter0.CopyFused(1);
        SdFixture.AssertClose(Predict(iter0), Predict(iter1), "fresh adapters (B = 0) leave the fused model unchanged", 1e-5);
        iter1.UNet.LoadLora(LoraWeightsFile.Read(DiffusersLora).ToDictionary(p => p.Key, p => p.Value with { Up = -0.5 * p.Value.Up }), "second iteration");

        var file = iter1.WriteLora(temp.Path);
        using var rebuilt = SdFixture.Load();
        rebuilt.EnableLora(file);

        Assert.Equal(4, rebuilt.Lora!.Rank);   // two iterations' rank-2 adapters side by side
        SdFixture.AssertClose(Predict(iter1), Predict(rebuilt), "base + the written LoRA = the fused model", 1e-5);
        iter1.UNet.SetLoraEnabled(false);
        SdFixture.AssertClose(Predict(iter0), Predict(iter1), "adapters off = the previous iteration (the official reference)", 1e-5);
        Assert.Contains("\"FusedIterations\":1", iter1.ConfigJson());
    }

    [Fact]
    public void LoraFiles_WithTheWrongLayersOrShapes_AreOneLineErrors()
    {
        using var temp = TestPaths.NewTempFolder();
        var layers = LoraWeightsFile.Read(DiffusersLora);
        var missing = Path.Combine(temp.Path, "missing.safetensors");
        LoraWeightsFile.Write(missing, layers.Skip(1).ToDictionary());
        var textEncoder = Path.Combine(temp.Path, "te.safetensors");
        SafeTensors.Write(textEncoder, new Dictionary<string, Tensor> { ["text_encoder.text_model.q_proj.lora.down.weight"] = zeros(2, 4) });
        using var model = SdFixture.Load();
        using var other = SdFixture.Load();

        var e1 = Assert.Throws<ArgumentException>(() => model.EnableLora(missing));
        var e2 = Assert.Throws<InvalidDataException>(() => LoraWeightsFile.Read(textEncoder));
        other.EnableLora(new LoraConfig(Rank: 4));
        var e3 = Assert.Throws<ArgumentException>(() => other.UNet.LoadLora(layers, "rank 2"));

        Assert.Contains("no LoRA weights for " + layers.Keys.First(), e1.Message);
        Assert.Contains("text encoder", e2.Message);
        Assert.Contains("do not fit", e3.Message);
        Assert.All([e1.Message, e2.Message, e3.Message], m => Assert.DoesNotContain('\n', m));
    }
}
