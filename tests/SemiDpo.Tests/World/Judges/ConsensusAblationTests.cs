using SemiDpo.Data;
using SemiDpo.Rewards;
using SemiDpo.World;
using SemiDpo.World.Judges;

namespace SemiDpo.Tests.World.Judges;

public class ConsensusAblationTests
{
    static readonly PreferencePair[] Pairs = new WorldBuilder(new WorldConfig(Pairs: 400, Seed: 5)).Pairs(0, 400);

    /// <summary>Synthetic judges that see the truth through noise of different sizes (no model needed).</summary>
    static ScoreTable NoisyTruthScores()
    {
        var rng = new Random(3);
        var names = JudgePanel.PaperOrder;
        float[] Column(Func<PreferencePair, double> utility, double noise) =>
            Pairs.Select(p => (float)(utility(p) + noise * (rng.NextDouble() - 0.5))).ToArray();
        var noise = new[] { 0.1, 0.2, 0.3, 0.4, 0.5 };
        return new ScoreTable(names,
            noise.Select(n => Column(p => p.Truth!.Utility0, n)).ToArray(),
            noise.Select(n => Column(p => p.Truth!.Utility1, n)).ToArray());
    }

    [Fact]
    public void Ablation_CoversEverySubset_AndMarksThePapersNestedOrder()
    {
        var rows = ConsensusAblation.Run(Pairs, NoisyTruthScores());

        Assert.Equal(31, rows.Count);
        Assert.Equal(["MiniClip+MiniAesthetic", "MiniClip+MiniAesthetic+MiniHps", "MiniClip+MiniAesthetic+MiniHps+MiniImageReward",
            "MiniClip+MiniAesthetic+MiniHps+MiniImageReward+MiniPickScore"], rows.Where(r => r.PaperOrder).Select(r => r.Judges));
    }

    [Fact]
    public void AddingAJudge_NeverGrowsTheCleanSet()
    {
        var paper = ConsensusAblation.Run(Pairs, NoisyTruthScores()).Where(r => r.PaperOrder).Select(r => r.Clean).ToList();
        Assert.Equal(paper.OrderDescending(), paper);
    }

    [Fact]
    public void ConsensusOfTruthSeeingJudges_RaisesLabelAccuracyAboveTheRawSet()
    {
        var all = ConsensusAblation.Run(Pairs, NoisyTruthScores()).Single(r => r.K == 5);
        var raw = ConsensusAblation.LabelAccuracy(Pairs, Enumerable.Range(0, Pairs.Length));
        Assert.True(all.LabelAccuracy > raw + 0.1, $"clean {all.LabelAccuracy:P1} vs raw {raw:P1}");
    }
}
