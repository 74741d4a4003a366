using SemiDpo.Clip;
using SemiDpo.Imaging;
using SemiDpo.Pretrained;
using SemiDpo.Rewards;
using SemiDpo.Tests.StableDiffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Clip;

/// <summary>
/// The HPSv2 judge against the reference code (tests/fixtures/make_hps_fixture.py: openai/CLIP's model.py with a vision
/// tower of head_width 80, HPSv2's evaluation transform in plain torch): the architecture from an open_clip model
/// config, HPSv2's longer-side-and-pad preprocessing, and the score.
/// </summary>
public class HpsJudgeTests
{
    public HpsJudgeTests() => TorchRuntime.Init();

    static Dictionary<string, Tensor> Reference() => SafeTensors.Read(SdFixture.Folder("hps-reference.safetensors"));
    static string Checkpoint => SdFixture.Folder("tiny-hps.pt");
    static string Config => SdFixture.Folder("tiny-hps.json");

    static RgbImage Image(Tensor hwc) => new((int)hwc.shape[1], (int)hwc.shape[0], hwc.data<byte>().ToArray());

    [Fact]
    public void ModelConfig_GivesHeadsFromHeadWidth_NotWidthOver64()
    {
        var architecture = OpenClipArchitecture.FromModelConfig(Config);

        Assert.Equal(4, architecture.VisionHeads);     // 320 / head_width 80; 320 / 64 would be 5
        Assert.Equal(4, architecture.TextHeads);
        Assert.Equal("quick_gelu", architecture.Activation);
        Assert.Equal(16, OpenClipArchitecture.VitH14.VisionHeads);   // ViT-H-14: 1280 / 80
    }

    [Fact]
    public void LongerSidePad_MatchesHpsV2sTransform_OnWideTallAndSquareImages()
    {
        var r = Reference();
        var pixels = new ClipPreprocess(32, Fit: ClipFit.LongerSidePad).Apply([Image(r["wide"]), Image(r["tall"]), Image(r["square"])], CPU);
        SdFixture.AssertClose(r["pixels"], pixels, "HPSv2 preprocessing", 1e-4);
    }

    [Fact]
    public void HpsJudge_FromCheckpointAndConfig_ScoresAsTheReference()
    {
        var r = Reference();
        var judges = RealJudges.Load($"hps={Checkpoint}@{Config}", CPU, tokenizer: SdFixture.Folder("tiny-clip"));
        var captions = Captions().Take(3).ToList();

        var scores = judges[0].Score(captions, [Image(r["wide"]), Image(r["tall"]), Image(r["square"])]);

        Assert.Equal("hps_score", judges[0].Name);
        for (var k = 0; k < 3; k++)
        {
            var expected = r["hps"][k].item<float>();
            Assert.True(Math.Abs(expected - scores[k]) < 1e-4, $"image {k}: {scores[k]} vs {expected}");
        }
    }

    [Fact]
    public void ConfigOfAnotherArchitecture_IsRefused_NamingTheSize()
    {
        using var temp = TestPaths.NewTempFolder();
        var config = Path.Combine(temp.Path, "other.json");
        File.WriteAllText(config, File.ReadAllText(Config).Replace("\"layers\": 1,", "\"layers\": 3,"));

        var e = Assert.Throws<ModelFormatException>(() => ClipCheckpoints.LoadOpenClip(Checkpoint, OpenClipArchitecture.FromModelConfig(config), CPU));

        Assert.Contains("vision_cfg.layers 3", e.Message);
        Assert.Contains("tensors 1", e.Message);
    }

    [Fact]
    public void ImageRewardSidecar_GetsTheOfficialNameAndNormalisation_OnceOnly()
    {
        var raw = new OnnxJudgeSpec("my_ir", "overall", "pixels", 224, ClipPreprocess.OpenAiMean, ClipPreprocess.OpenAiStd, "score");

        var official = raw.AsImageReward("ir.onnx.json");

        Assert.Equal("image_reward_score", official.Name);
        Assert.Equal((2.0 - 0.16717362830052426) / 1.0333394966054072, 2.0 * official.Scale + official.Shift, 12);
        Assert.Equal(official, official.AsImageReward("ir.onnx.json"));   // already normalised: kept, not applied twice
        var e = Assert.Throws<ModelFormatException>(() => (raw with { Scale = 2 }).AsImageReward("ir.onnx.json"));
        Assert.Contains("normalisation", e.Message);
    }

    static IEnumerable<string> Captions()
    {
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(SdFixture.Folder("sd-tokenizer-reference.json")));
        return json.RootElement.GetProperty("captions").EnumerateArray().Select(e => e.GetString()!).ToList();
    }
}
