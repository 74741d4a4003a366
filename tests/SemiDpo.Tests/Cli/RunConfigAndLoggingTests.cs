using SemiDpo.Health;
using SemiDpo.Method;
using SemiDpo.Tests.Training;

namespace SemiDpo.Tests.Cli;

/// <summary>
/// A train run's config.json fed back with --config gives the same configuration and the same model; a config option
/// given beside --config is refused by name; --log-dir writes TensorBoard runs; runs.jsonl records what ran.
/// </summary>
public class RunConfigAndLoggingTests
{
    static void Ok((int ExitCode, string Output, string Error) run) => Assert.True(run.ExitCode == 0, run.Error + run.Output);

    [Fact]
    public void TrainConfigFile_RoundTrips_ToTheSameModel_AndLogsToTensorBoard()
    {
        using var temp = TestPaths.NewTempFolder();
        var filter = CliProcess.FilteredWorld(temp.Path, pairs: 300, seed: 5);
        var first = Path.Combine(temp.Path, "first");
        var second = Path.Combine(temp.Path, "second");
        var logs = Path.Combine(temp.Path, "logs");

        Ok(CliProcess.Run(TestPaths.RepoRoot, ["train", "--filter", filter, "--out", first, "--iterations", "2", "--steps0", "3", "--steps", "2",
            "--batch", "4", "--micro-batch", "2", "--unlabeled-sample", "40", "--seed", "7", "--mixing", "perterm", "--log-dir", logs]));
        var config = Path.Combine(first, "config.json");
        Ok(CliProcess.Run(TestPaths.RepoRoot, ["train", "--filter", filter, "--out", second, "--config", config]));

        Assert.Equal(File.ReadAllText(config), File.ReadAllText(Path.Combine(second, "config.json")));
        Assert.Contains("\"Mixing\": \"PerTerm\"", File.ReadAllText(config));
        Assert.Equal(File.ReadAllBytes(Path.Combine(first, "iter1.ckpt")), File.ReadAllBytes(Path.Combine(second, "iter1.ckpt")));

        var iter0 = TensorBoardEvents.Read(Path.Combine(logs, "Iter0"));
        Assert.Equal([1L, 2, 3], TensorBoardEvents.Scalars(iter0, "loss").Select(s => s.Step));
        var iter1 = TensorBoardEvents.Read(Path.Combine(logs, "Iter1"));
        Assert.Equal(2, TensorBoardEvents.Scalars(iter1, "ref_loss").Count);
        Assert.Equal(10, TensorBoardEvents.Scalars(iter1, "pseudo_labels/accepted").Count);

        var record = Assert.Single(RunRecord.ReadAll(first));
        Assert.StartsWith("semidpo train --filter", record.Command);
        Assert.Equal("cpu", record.Device);
        Assert.False(string.IsNullOrEmpty(record.TorchSharpVersion) || string.IsNullOrEmpty(record.LibTorchVersion));
    }

    [Fact]
    public void TrainBaseline_WithASemiDpoRunsConfig_TrainsThatMethodOnItsTotalBudget()
    {
        using var temp = TestPaths.NewTempFolder();
        var filter = CliProcess.FilteredWorld(temp.Path, pairs: 300, seed: 6);
        var options = Path.Combine(temp.Path, "options");
        var fromConfig = Path.Combine(temp.Path, "from-config");

        Ok(CliProcess.Run(TestPaths.RepoRoot, ["train", "--filter", filter, "--out", options, "--baseline", "poly", "--poly-alpha", "2",
            "--iterations", "2", "--steps0", "3", "--steps", "2", "--batch", "4", "--micro-batch", "2", "--seed", "7"]));
        Ok(CliProcess.Run(TestPaths.RepoRoot, ["train", "--filter", filter, "--out", fromConfig, "--baseline", "poly", "--poly-alpha", "2",
            "--config", Path.Combine(options, "config.json")]));

        var log = File.ReadAllLines(Path.Combine(options, "train-log.csv"));
        Assert.Equal(1 + 3 + 2, log.Length);                                           // Iter0's 3 steps + Iter1's 2, in one stage
        Assert.All(log.Skip(1), line => Assert.StartsWith("Poly-DPO (α=2),", line));
        Assert.Equal(File.ReadAllBytes(Path.Combine(options, "poly.ckpt")), File.ReadAllBytes(Path.Combine(fromConfig, "poly.ckpt")));
        Assert.False(File.Exists(Path.Combine(options, "iter0.ckpt")) || Directory.Exists(Path.Combine(options, "official")));
    }

    [Fact]
    public void ConfigFile_WithAnOptionItWouldOverride_IsRefusedNamingTheOption()
    {
        using var temp = TestPaths.NewTempFolder();
        var config = Path.Combine(temp.Path, "config.json");
        SemiDpo.IO.RunConfigFile.Write(config, new SemiDpoConfig());

        var run = CliProcess.Run(TestPaths.RepoRoot, ["train", "--config", config, "--steps0", "5", "--beta=100", "--out", Path.Combine(temp.Path, "out")]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--steps0, --beta cannot be combined with --config", run.Error);
        Assert.DoesNotContain("   at ", run.Error);
    }

    [Fact]
    public void ReproduceConfigFile_ThatIsNotAConfig_IsAOneLineError()
    {
        using var temp = TestPaths.NewTempFolder();
        var config = Path.Combine(temp.Path, "config.json");
        File.WriteAllText(config, "{ \"Study\": 3 }");

        var run = CliProcess.Run(TestPaths.RepoRoot, ["reproduce", "--config", config, "--out", Path.Combine(temp.Path, "out")]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{config}: not a ReproduceConfig", run.Error);
        Assert.Single(run.Error.Trim().Split('\n'));
    }
}
