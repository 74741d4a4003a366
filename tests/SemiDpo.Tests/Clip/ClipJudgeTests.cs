using System.IO.Compression;
using SemiDpo.Clip;
using SemiDpo.Imaging;
using SemiDpo.Pretrained;
using SemiDpo.Rewards;
using SemiDpo.Tests.StableDiffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Clip;

/// <summary>
/// The CLIP model, its checkpoints and the CLIP-family judges against openai/CLIP's model.py on a tiny random CLIP
/// (tests/fixtures/make_clip_fixture.py), loaded from a transformers folder and from an open_clip-style pickle.
/// </summary>
public class ClipJudgeTests
{
    public ClipJudgeTests() => TorchRuntime.Init();

    static Dictionary<string, Tensor> Reference() => SafeTensors.Read(SdFixture.Folder("clip-reference.safetensors"));
    static string TinyClip => SdFixture.Folder("tiny-clip");
    static readonly OpenClipArchitecture TinyArchitecture = new("quick_gelu", TextHeads: 4, VisionHeads: 1);

    [Fact]
    public void TransformersFolder_GivesOpenAiClipEmbeddingsAndLogits()
    {
        var r = Reference();
        using var model = ClipCheckpoints.LoadTransformers(TinyClip, CPU);
        using var noGrad = no_grad();
        SdFixture.AssertClose(r["text_features"], model.TextFeatures(r["ids"]), "text features");
        SdFixture.AssertClose(r["image_features"], model.ImageFeatures(r["pixels"]), "image features");
        SdFixture.AssertClose(r["logits"], model.forward(r["ids"], r["pixels"]), "logits");
    }

    [Fact]
    public void OpenClipPickle_IsReadWithoutRunningCode_AndGivesTheSameEmbeddings()
    {
        var r = Reference();
        using var model = ClipCheckpoints.LoadOpenClip(SdFixture.Folder("tiny-clip-openclip.pt"), TinyArchitecture, CPU);
        using var noGrad = no_grad();
        SdFixture.AssertClose(r["text_features"], model.TextFeatures(r["ids"]), "text features");
        SdFixture.AssertClose(r["image_features"], model.ImageFeatures(r["pixels"]), "image features");
    }

    [Fact]
    public void ClipScoreAndAestheticJudges_MatchTheOfficialFormulas()
    {
        var r = Reference();
        using var model = ClipCheckpoints.LoadTransformers(TinyClip, CPU);
        var tokenizer = ClipTokenizer.Load(TinyClip);
        var image = Image(r);
        var captions = SdCaptions().Take(4).ToList();
        var clipScore = new ClipJudge("clip_score", "alignment", model, tokenizer, ClipScoring.Cosine).Score(captions, Enumerable.Repeat(image, 4).ToList());
        // The reference's first image is the PIL-preprocessed one: the judge, from raw bytes, must score like it.
        for (var k = 0; k < 4; k++)
        {
            var expected = (nn.functional.normalize(r["text_features"][k], dim: -1) * nn.functional.normalize(r["image_features"][0], dim: -1)).sum().item<float>();
            Assert.True(Math.Abs(expected - clipScore[k]) < 1e-4, $"caption {k}: CLIP score {clipScore[k]} vs {expected}");
        }
        var mlp = AestheticMlp.Load(SdFixture.Folder("tiny-aesthetic.pth"), CPU);
        using var noGrad = no_grad();
        SdFixture.AssertClose(r["aesthetic"], mlp.forward(nn.functional.normalize(r["image_features"], dim: -1)).flatten(), "aesthetic MLP");
        var aesthetic = new LaionAestheticJudge(model, mlp).Score(["any"], [image]);
        Assert.True(Math.Abs(aesthetic[0] - r["aesthetic"][0].item<float>()) < 1e-4, $"aesthetic {aesthetic[0]} vs {r["aesthetic"][0].item<float>()}");
    }

    [Theory]
    [InlineData("float16")]
    [InlineData("bfloat16")]
    public void HalfPrecisionJudges_ScoreAsFloat32_WithinHalfPrecision(string dtype)
    {
        var r = Reference();
        var images = Enumerable.Repeat(Image(r), 4).ToList();
        var captions = SdCaptions().Take(4).ToList();
        var spec = $"clip={TinyClip},aesthetic={SdFixture.Folder("tiny-aesthetic.pth")}";
        var full = RealJudges.Load(spec, CPU);
        var half = RealJudges.Load(spec, CPU, dtype: dtype == "float16" ? ScalarType.Float16 : ScalarType.BFloat16);

        Assert.Equal(ScalarType.Float32, RealJudges.DefaultDType(CPU));
        for (var j = 0; j < full.Count; j++)
        {
            var (a, b) = (full[j].Score(captions, images), half[j].Score(captions, images));
            var tolerance = dtype == "float16" ? 5e-3 : 3e-2;
            Assert.All(a.Zip(b), p => Assert.True(Math.Abs(p.First - p.Second) < tolerance * Math.Max(1, Math.Abs(p.First)), $"{full[j].Name}: {p.First} vs {p.Second}"));
        }
    }

    [Fact]
    public void Preprocessing_MatchesPilBicubicResizeAndCentreCrop_ToTheGreyLevel()
    {
        var r = Reference();
        var pixels = new ClipPreprocess(32).Apply([Image(r)], CPU)[0];
        var std = tensor(ClipPreprocess.OpenAiStd).view(3, 1, 1);
        var greyLevels = ((pixels - r["pil_pixels"]) * std * 255).abs();
        Assert.True(greyLevels.max().item<float>() < 1e-3f, $"max difference {greyLevels.max().item<float>():F3} grey levels");
    }

    [Fact]
    public void PickleNamingAFunction_IsRefused_WithTheName()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "evil.pt");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var stream = zip.CreateEntry("archive/data.pkl").Open())
            stream.Write([0x80, 0x02, .. "cposix\nsystem\nq\0X"u8, 4, 0, 0, 0, .. "echoq\u0001"u8, 0x85, .. "q\u0002Rq\u0003."u8]);   // os.system("echo") as pickle protocol 2
        var e = Assert.Throws<ModelFormatException>(() => TorchPickle.Read(path));
        Assert.Contains("'posix.system'", e.Message);
        Assert.Contains("not loaded", e.Message);
    }

    [Fact]
    public void OpenClipCheckpointMissingATensor_IsRefused_NamingIt()
    {
        using var temp = TestPaths.NewTempFolder();
        var tensors = TorchPickle.ReadStateDict(SdFixture.Folder("tiny-clip-openclip.pt"));
        tensors.Remove("ln_final.bias");
        var path = Path.Combine(temp.Path, "partial.safetensors");
        SafeTensors.Write(path, tensors);
        var e = Assert.Throws<ModelFormatException>(() => ClipCheckpoints.LoadOpenClip(path, TinyArchitecture, CPU));
        Assert.Contains("1 missing: text_model.final_layer_norm.bias", e.Message);
    }

    static RgbImage Image(Dictionary<string, Tensor> r) => new(45, 37, r["image_bytes"].data<byte>().ToArray());

    static IEnumerable<string> SdCaptions()
    {
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(SdFixture.Folder("sd-tokenizer-reference.json")));
        return json.RootElement.GetProperty("captions").EnumerateArray().Select(e => e.GetString()!).ToList();
    }
}
