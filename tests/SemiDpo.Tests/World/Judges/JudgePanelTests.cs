using SemiDpo.Rewards;
using SemiDpo.Torch;
using SemiDpo.World;
using SemiDpo.World.Judges;
using static TorchSharp.torch;

namespace SemiDpo.Tests.World.Judges;

public class JudgePanelTests
{
    static string CommittedJudges => Path.Combine(TestPaths.RepoRoot, "data", "judges");

    public JudgePanelTests() => TorchRuntime.Init();

    [Fact]
    public void CommittedJudges_LoadAndAreSpecialised()
    {
        var committee = JudgePanel.Load(CommittedJudges, CPU);
        var pairs = new WorldBuilder(new WorldConfig(Pairs: 800, Seed: 77)).Pairs(0, 800);

        var scores = committee.Score(pairs);
        var matrix = JudgeSpecialisation.Compute(pairs, scores);

        Assert.Equal(JudgePanel.PaperOrder, scores.Judges);
        double Cell(string judge, string column) => (double)matrix[column][JudgePanel.PaperOrder.ToList().IndexOf(judge)];
        Assert.True(Cell("MiniClip", "alignment") > Cell("MiniClip", "detail") + 0.05, "MiniClip should specialise in alignment");
        Assert.True(Cell("MiniAesthetic", "aesthetics") > Cell("MiniAesthetic", "detail"), "MiniAesthetic should specialise in aesthetics");
        foreach (var judge in new[] { "MiniHps", "MiniImageReward", "MiniPickScore" })
            Assert.True(Cell(judge, "true preference") > 0.55, $"{judge} should agree with the true preference above chance");
    }

    [Fact]
    public void ConsensusOfTheCommittedJudges_RaisesLabelAccuracy()
    {
        var committee = JudgePanel.Load(CommittedJudges, CPU);
        var pairs = new WorldBuilder(new WorldConfig(Pairs: 1500, Seed: 78)).Pairs(0, 1500);
        var split = ConsensusFilter.Split(pairs.Select(p => p.Label0).ToArray(), pairs.Select(p => p.Label1).ToArray(), committee.Score(pairs));

        var raw = ConsensusAblation.LabelAccuracy(pairs, Enumerable.Range(0, pairs.Length));
        var clean = ConsensusAblation.LabelAccuracy(pairs, split.Clean);

        Assert.InRange(split.CleanFraction, 0.05, 0.5);
        Assert.True(clean > raw + 0.1, $"clean {clean:P1} vs raw {raw:P1}");
    }

    [Fact]
    public void TamperedWeights_AreRejectedWithTheRegenerateCommand()
    {
        using var temp = TestPaths.NewTempFolder();
        foreach (var file in Directory.GetFiles(CommittedJudges)) File.Copy(file, Path.Combine(temp.Path, Path.GetFileName(file)));
        var weights = Path.Combine(temp.Path, "MiniHps.bin");
        var bytes = File.ReadAllBytes(weights);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(weights, bytes);

        var e = Assert.Throws<InvalidDataException>(() => JudgePanel.Load(temp.Path, CPU));

        Assert.Contains("MiniHps.bin", e.Message);
        Assert.Contains("judges train", e.Message);
    }

    [Fact]
    public void MissingFolder_SaysHowToTrainTheJudges()
    {
        var e = Assert.Throws<FileNotFoundException>(() => JudgePanel.Load("/no/such/judges", CPU));
        Assert.Contains("judges train", e.Message);
    }

    [Fact]
    public void ContrastiveTraining_LowersItsLoss()
    {
        var (images, captions) = JudgeTrainer.CaptionedImages(512, seed: 4);
        var net = new ContrastiveNet(8, 32, 16);
        var losses = new List<double>();

        JudgeTrainer.TrainContrastive(net, images, captions, new JudgeTrainingConfig(Epochs: 4, BatchSize: 64), CPU, "test",
            new SyncProgress<JudgeTrainingProgress>(p => losses.Add(p.Loss)));

        Assert.Equal(4, losses.Count);
        Assert.True(losses[^1] < losses[0] - 0.1, string.Join(", ", losses));
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
