using SemiDpo.Analysis;
using SemiDpo.Imaging;

namespace SemiDpo.Tests.Analysis;

/// <summary>The images of an evaluation in evaluate.py's layout, always inside the folder given.</summary>
public class OfficialEvalImagesTests
{
    [Fact]
    public void ModelNamesGivenAsPaths_StayInsideTheImagesFolder()
    {
        Assert.Equal("models_sd_final", OfficialEvalImages.FolderName("/models/sd/final"));
        Assert.Equal("model", OfficialEvalImages.FolderName(".."));
        Assert.Equal("a_.._b", OfficialEvalImages.FolderName("a/../b"));
    }

    [Fact]
    public void Write_GivesPngAndJsonPerPromptIndex()
    {
        using var temp = TestPaths.NewTempFolder();
        var images = new[] { RgbImage.Filled(4, 4, 1, 2, 3), RgbImage.Filled(4, 4, 9, 9, 9) };
        var scores = new[] { new PromptScore("m", 7, new Dictionary<string, double> { ["clip_score"] = 0.25 }), new PromptScore("m", 8, new Dictionary<string, double> { ["clip_score"] = 0.5 }) };

        OfficialEvalImages.Write(temp.Path, ["a cat", "a dog"], images, scores);

        Assert.True(File.Exists(Path.Combine(temp.Path, "7-0.png")));
        var json = File.ReadAllText(Path.Combine(temp.Path, "8-0.json"));
        Assert.Contains("\"prompt\": \"a dog\"", json);
        Assert.Contains("\"clip_score\": 0.5", json);
    }
}
