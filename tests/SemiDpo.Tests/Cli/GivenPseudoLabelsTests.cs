using System.Text.Json;

namespace SemiDpo.Tests.Cli;

/// <summary>
/// <c>semidpo train --pseudo-labels DIR</c>: Iter i &gt; 0 trains on the official-format pseudo_labels.json in
/// DIR/iter{i}/ instead of computing them, so a stage can be swapped with the official Python pipeline's. The tests
/// share one filtered world and one train run that computes its pseudo-labels (<see cref="ComputedRun"/>).
/// </summary>
public class GivenPseudoLabelsTests(GivenPseudoLabelsTests.ComputedRun computed) : IClassFixture<GivenPseudoLabelsTests.ComputedRun>
{
    static void Ok((int ExitCode, string Output, string Error) run) => Assert.True(run.ExitCode == 0, run.Error + run.Output);

    static string[] Train(string filter, string output, params string[] more) =>
        ["train", "--filter", filter, "--out", output, "--iterations", "2", "--steps0", "3", "--steps", "2", "--batch", "4", "--micro-batch", "2", "--seed", "3",
            "--unlabeled-sample", "40", .. more];

    /// <summary>A 300-pair world, filtered, and <see cref="Train"/> into <see cref="Output"/> (Iter0 → Iter1, pseudo-labels computed).</summary>
    public sealed class ComputedRun : IDisposable
    {
        readonly TestPaths.TempFolder temp = TestPaths.NewTempFolder();

        public ComputedRun()
        {
            Filter = CliProcess.FilteredWorld(temp.Path, pairs: 300, seed: 9);
            Ok(CliProcess.Run(TestPaths.RepoRoot, Train(Filter, Output)));
        }

        public string Filter { get; }

        public string Output => Path.Combine(temp.Path, "computed");

        public void Dispose() => temp.Dispose();
    }

    [Fact]
    public void OfficialPseudoLabelFile_OfARun_TrainsIter1ToTheSameModel_AndAHandWrittenOneTrainsItsPairs()
    {
        using var temp = TestPaths.NewTempFolder();
        string In(string name) => Path.Combine(temp.Path, name);
        var (filter, computedRun) = (computed.Filter, computed.Output);

        var given = CliProcess.Run(TestPaths.RepoRoot, Train(filter, In("given"), "--pseudo-labels", Path.Combine(computedRun, "official")));

        Ok(given);
        Assert.Contains("labelled by", given.Output);
        Assert.Equal(File.ReadAllBytes(Path.Combine(computedRun, "iter1.ckpt")), File.ReadAllBytes(In("given/iter1.ckpt")));
        Assert.False(Directory.Exists(In("given/official/iter1")));                       // nothing scored: no confidence file to write

        // A file as the official build_pseudo_labels.py writes it, naming one noisy pair (by source idx) and an unknown idx.
        var noisyIdx = File.ReadAllLines(Path.Combine(computedRun, "official/iter1/confidence_rank000.jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("idx").GetInt64()).First();
        Directory.CreateDirectory(In("hand/iter1"));
        var labels = Enumerable.Range(0, 10).ToDictionary(j => $"timestep_{50 + 100 * j}", j => j < 5 ? -1 : 0);
        File.WriteAllText(In("hand/iter1/pseudo_labels.json"), JsonSerializer.Serialize(new Dictionary<string, Dictionary<string, int>>
            { [$"{noisyIdx}"] = labels, ["99999999"] = labels }));
        var hand = CliProcess.Run(TestPaths.RepoRoot, Train(filter, In("hand-run"), "--pseudo-labels", In("hand")));

        Ok(hand);
        Assert.Contains("Iter1: 1 of", hand.Output);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(computedRun, "iter1.ckpt")), File.ReadAllBytes(In("hand-run/iter1.ckpt")));
    }

    [Fact]
    public void ConfidenceShardedBetweenTrainRuns_TrainsIter1ToTheModelOneTrainRunGives()
    {
        using var temp = TestPaths.NewTempFolder();
        string In(string name) => Path.Combine(temp.Path, name);
        var filter = computed.Filter;

        // Iter0 alone, Iter1's scoring in two shards (as two array tasks would), then Iter1 on their pseudo-labels.
        var iter0 = Train(filter, In("staged"));
        iter0[Array.IndexOf(iter0, "--iterations") + 1] = "1";
        Ok(CliProcess.Run(TestPaths.RepoRoot, iter0));
        foreach (var rank in new[] { "1", "0" })
            Ok(CliProcess.Run(TestPaths.RepoRoot, ["confidence", "--model", In("staged/iter0.ckpt"), "--filter", filter, "--unlabeled-sample", "40",
                "--out", In("scored/iter1"), "--rank", rank, "--world-size", "2"]));
        var iter1 = CliProcess.Run(TestPaths.RepoRoot, Train(filter, In("staged"), "--pseudo-labels", In("scored")));

        Ok(iter1);
        Assert.Contains("labelled by", iter1.Output);
        Assert.Equal(File.ReadAllBytes(Path.Combine(computed.Output, "iter1.ckpt")), File.ReadAllBytes(In("staged/iter1.ckpt")));
    }

    [Fact]
    public void ConfidenceOnTrainsModels_WritesTrainsPseudoLabelFiles_ByteForByte_CleanAnchorsAndPastLabelsIncluded()
    {
        using var temp = TestPaths.NewTempFolder();
        string In(string name) => Path.Combine(temp.Path, name);
        var filter = computed.Filter;
        var train = Train(filter, In("train"));
        train[Array.IndexOf(train, "--iterations") + 1] = "3";
        Ok(CliProcess.Run(TestPaths.RepoRoot, train));

        // Iteration i's anchors are the filter's clean_idx_part{i-1}.json (the official README's split), listed as +1.
        Ok(CliProcess.Run(TestPaths.RepoRoot, ["confidence", "--model", In("train/iter0.ckpt"), "--filter", filter, "--unlabeled-sample", "40", "--out", In("iter1"),
            "--clean-idx", Path.Combine(filter, "clean_idx_part0.json")]));
        Ok(CliProcess.Run(TestPaths.RepoRoot, ["confidence", "--model", In("train/iter1.ckpt"), "--filter", filter, "--unlabeled-sample", "40", "--out", In("iter2"),
            "--past-labels", In("train/official/iter1/pseudo_labels.json"), "--clean-idx", Path.Combine(filter, "clean_idx_part1.json")]));

        foreach (var i in new[] { 1, 2 })
            Assert.True(File.ReadAllBytes(In($"train/official/iter{i}/pseudo_labels.json")).SequenceEqual(File.ReadAllBytes(In($"iter{i}/pseudo_labels.json"))),
                $"iter{i}/pseudo_labels.json differs from train's");
        using var json = JsonDocument.Parse(File.ReadAllText(In("iter1/pseudo_labels.json")));
        Assert.Contains(json.RootElement.EnumerateObject(), p => p.Value.EnumerateObject().All(l => l.Value.GetInt32() == 1));   // the clean anchors, +1 everywhere
        Assert.True(Directory.Exists(In("iter1/clean")), "the official population's clean training pairs are scored too");
    }
}
