using CsCheck;
using SemiDpo.Rewards;

namespace SemiDpo.Tests.Rewards;

public class ConsensusFilterTests
{
    static ScoreTable Table(params (float S0, float S1)[][] judges) =>
        new(judges.Select((_, k) => $"J{k}").ToList(), judges.Select(j => j.Select(s => s.S0).ToArray()).ToArray(), judges.Select(j => j.Select(s => s.S1).ToArray()).ToArray());

    [Fact]
    public void Split_DropsTies_AndKeepsPairsEveryJudgeAgreesWith()
    {
        // rows: 0 human prefers A, both judges too → clean; 1 human prefers B, judge 1 disagrees → noisy;
        // 2 tie → dropped; 3 human prefers B, both judges prefer B → clean.
        double[] label0 = [1, 0, 0.5, 0];
        double[] label1 = [0, 1, 0.5, 1];
        var scores = Table(
            [(2, 1), (0, 1), (5, 5), (0, 3)],
            [(3, 1), (1, 0), (1, 2), (1, 2)]);

        var split = ConsensusFilter.Split(label0, label1, scores, new ConsensusConfig(TestFraction: 0));

        Assert.Equal([0, 3], split.CleanTrain);
        Assert.Equal([1], split.Noisy);
        Assert.Equal(1, split.Ties);
        Assert.Equal(1.0, split.JudgeAgreesWithHuman["J0"]);
        Assert.Equal(2.0 / 3, split.JudgeAgreesWithHuman["J1"], 9);
    }

    [Fact]
    public void AJudgeTie_IsNotAgreement()
    {
        var split = ConsensusFilter.Split([1.0], [0.0], Table([(1f, 1f)], [(2, 1)]), new ConsensusConfig(TestFraction: 0));

        Assert.Empty(split.CleanTrain);
        Assert.Equal([0], split.Noisy);
    }

    [Fact]
    public void DifferencesWithinTheTolerance_CountAsJudgeTies()
    {
        var split = ConsensusFilter.Split([1.0], [0.0], Table([(1.0000005f, 1f)]), new ConsensusConfig(TestFraction: 0));
        Assert.Equal([0], split.Noisy);
    }

    [Fact]
    public void Split_PartitionsTheNonTiePairs_AndHoldsOutASeededTestShare() =>
        Gen.Int[50, 400].Select(Gen.Int).Sample((n, seed) =>
        {
            var rng = new Random(seed);
            var label0 = Enumerable.Range(0, n).Select(_ => rng.Next(3) / 2.0).ToArray();
            var label1 = label0.Select(l => 1 - l).ToArray();
            float[] Column() => Enumerable.Range(0, n).Select(_ => rng.NextSingle()).ToArray();
            var scores = new ScoreTable(["a", "b"], [Column(), Column()], [Column(), Column()]);

            var split = ConsensusFilter.Split(label0, label1, scores, new ConsensusConfig(TestFraction: 0.1, Seed: seed));
            var again = ConsensusFilter.Split(label0, label1, scores, new ConsensusConfig(TestFraction: 0.1, Seed: seed));

            var all = split.CleanTrain.Concat(split.CleanTest).Concat(split.Noisy).Order().ToArray();
            var nonTie = Enumerable.Range(0, n).Where(i => label0[i] != 0.5).ToArray();
            var clean = split.CleanTrain.Length + split.CleanTest.Length;
            return all.SequenceEqual(nonTie)
                && split.CleanTest.Length == (int)Math.Round(0.1 * clean)
                && split.CleanTest.SequenceEqual(again.CleanTest)
                && split.Ties == n - nonTie.Length;
        }, iter: 100);

    [Fact]
    public void Votes_StreamedInAnyOrder_GiveTheSameSplitAsTheTable() =>
        Gen.Int[20, 300].Select(Gen.Int).Sample((n, seed) =>
        {
            var rng = new Random(seed);
            var label0 = Enumerable.Range(0, n).Select(_ => rng.Next(3) / 2.0).ToArray();
            var label1 = label0.Select(l => 1 - l).ToArray();
            float[] Column() => Enumerable.Range(0, n).Select(_ => rng.Next(4) / 4f).ToArray();   // coarse: judge ties happen
            var scores = new ScoreTable(["a", "b", "c"], [Column(), Column(), Column()], [Column(), Column(), Column()]);
            long[] rows = [.. Enumerable.Range(0, n).Select(i => 1000L + 3 * i)];                 // rows of a larger source
            var votes = new ConsensusVotes(rows, [.. label0.Select((l, i) => (sbyte)Math.Sign(l - label1[i]))]);
            var stream = Enumerable.Range(0, n).SelectMany(i => Enumerable.Range(0, 3).Select(k => (i, k))).OrderBy(_ => rng.Next()).ToList();
            foreach (var (i, k) in stream) votes.Add(scores.Judges[k], rows[i], scores.Score0[k][i], scores.Score1[k][i], "f", 1);
            foreach (var (i, k) in stream.Take(5)) votes.Add(scores.Judges[k], rows[i], scores.Score0[k][i], scores.Score1[k][i], "f", 2);   // repeats agree
            votes.Add("a", 5, 1, 0, "f", 3);                                                       // a row not among the pairs

            var config = new ConsensusConfig(TestFraction: 0.1, Seed: seed);
            var expected = ConsensusFilter.Split(label0, label1, scores, config);
            var split = votes.Split(config);

            return split.CleanTrain.SequenceEqual(expected.CleanTrain) && split.CleanTest.SequenceEqual(expected.CleanTest)
                && split.Noisy.SequenceEqual(expected.Noisy) && split.Ties == expected.Ties && votes.Unmatched == 1
                && split.JudgeAgreesWithHuman.All(kv => kv.Value.Equals(expected.JudgeAgreesWithHuman[kv.Key]));
        }, iter: 100);

    [Fact]
    public void Votes_ARowScoredTwiceWithOppositeVotes_IsAnErrorNamingFileAndLine()
    {
        var votes = new ConsensusVotes([7], [1]);
        votes.Add("clip_score", 7, 2, 1, "scores.jsonl", 3);

        var e = Assert.Throws<ScoreFileException>(() => votes.Add("clip_score", 7, 1, 2, "scores.jsonl", 9));

        Assert.Equal("scores.jsonl, line 9: row 7 of 'clip_score' appears twice with scores that vote differently.", e.Message);
    }

    [Fact]
    public void Votes_APairAJudgeDidNotScore_IsAnError_OrASkipWhenAsked()
    {
        var votes = new ConsensusVotes([3, 4], [1, -1]);
        votes.Add("clip_score", 3, 2, 1, "s", 1);
        votes.Add("clip_score", 4, 2, 1, "s", 2);
        votes.Add("hps_score", 3, 2, 1, "t", 1);

        var e = Assert.Throws<ScoreFileException>(() => votes.Split());
        var skipped = new SemiDpo.Data.SkippedRows();
        var split = votes.Split(new ConsensusConfig(TestFraction: 0), skipped);

        Assert.Contains("judge 'hps_score' has no score for row 4", e.Message);
        Assert.Equal([0], split.CleanTrain);
        Assert.Equal((4L, "hps_score"), (skipped.Rows.Single().Row, skipped.Rows.Single().Column));
    }

    [Fact]
    public void Split_RejectsLabelsAndScoresOfDifferentLengths()
    {
        var e = Assert.Throws<ArgumentException>(() => ConsensusFilter.Split([1.0, 0], [0.0, 1], Table([(1f, 0f)])));
        Assert.Contains("2 labels for 1 scored rows", e.Message);
    }

    [Fact]
    public void Votes_NameEachJudgesSide_WithTheFiltersTieTolerance()
    {
        var scores = new ScoreTable(["a", "b", "c"], [[0.9f], [0.1f], [0.5f]], [[0.1f], [0.9f], [0.5f + 1e-7f]]);

        Assert.Equal("a A · b B · c =", scores.Votes(0));
    }
}
