using System.Text.Json;
using SemiDpo.Clip;
using SemiDpo.Diffusion;
using SemiDpo.Pretrained;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.StableDiffusion;

/// <summary>
/// Our UNet2DConditionModel, AutoencoderKL, CLIP text encoder and tokenizer against the reference code on tiny
/// random models of the same architectures (diffusers v0.25.1 and openai/CLIP, via tests/fixtures/make_sd_fixture.py).
/// </summary>
public class StableDiffusionCrossCheckTests
{
    public StableDiffusionCrossCheckTests() => TorchRuntime.Init();

    [Fact]
    public void UNet_Sd15Flavour_MatchesDiffusers()
    {
        var r = SdFixture.Reference();
        using var model = SdFixture.Load();
        using var noGrad = no_grad();
        SdFixture.AssertClose(r["unet/eps"], model.UNet.forward(r["unet/sample"], r["unet/t"], r["unet/context"]), "UNet ε");
    }

    [Fact]
    public void UNet_Sd2Flavour_LinearProjectionsHeadsPerBlockOddSize_MatchesDiffusers()
    {
        var r = SdFixture.Reference();
        var folder = SdFixture.Folder(Path.Combine("tiny-sd2-unet", "unet"));
        using var unet = new UNet2DConditionModel(UNet2DConditionConfig.Read(Path.Combine(folder, "config.json")));
        ModuleWeights.Load(unet, WeightFiles.Find(folder, "diffusion_pytorch_model"));
        unet.eval();
        using var noGrad = no_grad();
        SdFixture.AssertClose(r["unet2/eps"], unet.forward(r["unet2/sample"], r["unet2/t"], r["unet2/context"]), "SD2-style UNet ε");
    }

    [Fact]
    public void Vae_EncodeAndDecode_MatchDiffusers()
    {
        var r = SdFixture.Reference();
        using var model = SdFixture.Load();
        using var noGrad = no_grad();
        var posterior = model.Vae.Encode(r["vae/images"]);
        SdFixture.AssertClose(r["vae/mean"], posterior.Mean, "latent mean");
        SdFixture.AssertClose(r["vae/std"], posterior.Std, "latent std");
        SdFixture.AssertClose(r["vae/decoded"], model.Vae.Decode(r["vae/latents"]), "decoded image");
    }

    [Fact]
    public void TextEncoder_LastHiddenState_MatchesOpenAiClip()
    {
        var r = SdFixture.Reference();
        using var model = SdFixture.Load();
        var captions = TokenizerReference().Captions;
        var ids = model.Tokens(captions);
        Assert.Equal(r["text/ids"].data<long>().ToArray(), ids.data<long>().ToArray());
        using var noGrad = no_grad();
        SdFixture.AssertClose(r["text/hidden"], model.TextEncoder.forward(ids), "last hidden state");
    }

    [Fact]
    public void Tokenizer_RealClipVocabulary_GivesOpenAiClipIds_OnEveryCaption()
    {
        var reference = TokenizerReference();
        var tokenizer = ClipTokenizer.Load(SdFixture.Folder("clip-tokenizer"));
        Assert.Equal(49408, tokenizer.VocabularySize);
        for (var i = 0; i < reference.Captions.Length; i++)
            Assert.True(reference.Clip[i].SequenceEqual(tokenizer.Encode(reference.Captions[i])),
                $"caption {i} '{reference.Captions[i]}': expected [{string.Join(", ", reference.Clip[i])}], got [{string.Join(", ", tokenizer.Encode(reference.Captions[i]))}]");
    }

    [Fact]
    public void Tokenizer_TinyVocabulary_GivesOpenAiClipIds_OnEveryCaption()
    {
        var reference = TokenizerReference();
        var tokenizer = ClipTokenizer.Load(Path.Combine(SdFixture.TinySd, "tokenizer"));
        for (var i = 0; i < reference.Captions.Length; i++)
            Assert.Equal(reference.Tiny[i], tokenizer.Encode(reference.Captions[i]));
    }

    sealed record TokenizerCases(string[] Captions, long[][] Clip, long[][] Tiny);

    static TokenizerCases TokenizerReference()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(SdFixture.Folder("sd-tokenizer-reference.json")));
        long[][] Ids(string name) => json.RootElement.GetProperty(name).EnumerateArray().Select(a => a.EnumerateArray().Select(e => e.GetInt64()).ToArray()).ToArray();
        return new TokenizerCases(json.RootElement.GetProperty("captions").EnumerateArray().Select(e => e.GetString()!).ToArray(), Ids("clip"), Ids("tiny"));
    }
}
