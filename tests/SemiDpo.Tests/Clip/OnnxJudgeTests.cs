using SemiDpo.Imaging;
using SemiDpo.Pretrained;
using SemiDpo.Rewards;
using SemiDpo.Tests.StableDiffusion;
using SemiDpo.Torch;

namespace SemiDpo.Tests.Clip;

/// <summary>A judge exported with torch.onnx, run through its sidecar by ONNX Runtime, against PyTorch's scores.</summary>
public class OnnxJudgeTests
{
    public OnnxJudgeTests() => TorchRuntime.Init();

    static string Model => SdFixture.Folder("tiny-judge.onnx");

    [Fact]
    public void OnnxJudge_FromRawImageAndCaptions_GivesPyTorchScores()
    {
        var r = SafeTensors.Read(SdFixture.Folder("clip-reference.safetensors"));
        var image = new RgbImage(45, 37, r["image_bytes"].data<byte>().ToArray());
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(SdFixture.Folder("sd-tokenizer-reference.json")));
        var captions = json.RootElement.GetProperty("captions").EnumerateArray().Take(4).Select(e => e.GetString()!).ToList();
        using var judge = new OnnxJudge(Model, batchSize: 3);

        var scores = judge.Score(captions, Enumerable.Repeat(image, 4).ToList());

        var expected = r["onnx_scores"].data<float>().ToArray();
        Assert.Equal("tiny_onnx_score", judge.Name);
        for (var k = 0; k < 4; k++) Assert.True(Math.Abs(expected[k] - scores[k]) < 1e-5, $"caption {k}: {scores[k]} vs PyTorch {expected[k]}");
    }

    [Fact]
    public void SidecarNamingAnInputTheModelLacks_IsRefused_WithTheModelsInputs()
    {
        using var temp = TestPaths.NewTempFolder();
        var model = Path.Combine(temp.Path, "judge.onnx");
        File.Copy(Model, model);
        File.WriteAllText(model + ".json", File.ReadAllText(Model + ".json").Replace("\"image_input\": \"pixels\"", "\"image_input\": \"images\""));
        var e = Assert.Throws<ModelFormatException>(() => new OnnxJudge(model));
        Assert.Contains("input 'images'", e.Message);
        Assert.Contains("pixels, input_ids, attention_mask", e.Message);
    }

    [Fact]
    public void MissingSidecar_IsAClearError()
    {
        using var temp = TestPaths.NewTempFolder();
        var model = Path.Combine(temp.Path, "judge.onnx");
        File.Copy(Model, model);
        var e = Assert.Throws<ModelFormatException>(() => new OnnxJudge(model));
        Assert.Contains("no sidecar", e.Message);
    }
}
