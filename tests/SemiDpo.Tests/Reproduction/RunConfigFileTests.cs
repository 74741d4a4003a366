using SemiDpo.IO;
using SemiDpo.Method;
using SemiDpo.Reproduction;

namespace SemiDpo.Tests.Reproduction;

public class RunConfigFileTests
{
    public static TheoryData<string> Configs => ["default", "quick"];

    [Theory]
    [MemberData(nameof(Configs))]
    public void ReproduceConfig_WrittenAndReadBack_IsTheSameConfig(string which)
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, RunConfigFile.FileName);
        var config = (which == "quick" ? ReproduceConfig.Quick : ReproduceConfig.Default).WithSeeds(3) with { FlipRate = 0.2, PolyAlpha = 2 };

        RunConfigFile.Write(path, config);
        var back = RunConfigFile.Read<ReproduceConfig>(path);

        Assert.Equal(RunConfigFile.ToJson(config), RunConfigFile.ToJson(back));
        Assert.Equal(config.Seeds, back.Seeds);
        Assert.Equal(config.Baselines, back.Baselines);
        Assert.Equal(config.Study.World, back.Study.World with { Generators = config.Study.World.Generators });
        Assert.Equal(config.SemiDpo.Later, back.SemiDpo.Later);
        Assert.Equal(0.2, back.FlipRate);
    }

    [Fact]
    public void EnumsAreWrittenByName_AndNumbersFromOlderFilesStillRead()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, RunConfigFile.FileName);
        RunConfigFile.Write(path, new SemiDpoConfig(Term: UnlabeledTerm.None));
        var json = File.ReadAllText(path);
        Assert.Contains("\"Term\": \"None\"", json);

        File.WriteAllText(path, json.Replace("\"Term\": \"None\"", $"\"Term\": {(int)UnlabeledTerm.HumanLabels}"));
        Assert.Equal(UnlabeledTerm.HumanLabels, RunConfigFile.Read<SemiDpoConfig>(path).Term);
    }

    [Fact]
    public void MissingOrMalformedFile_IsAnErrorNamingIt()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "broken.json");
        Assert.Contains("no such config file", Assert.Throws<FileNotFoundException>(() => RunConfigFile.Read<SemiDpoConfig>(path)).Message);
        File.WriteAllText(path, "{ \"Iterations\": ");
        Assert.StartsWith($"{path}: not a SemiDpoConfig", Assert.Throws<InvalidDataException>(() => RunConfigFile.Read<SemiDpoConfig>(path)).Message);
    }
}
