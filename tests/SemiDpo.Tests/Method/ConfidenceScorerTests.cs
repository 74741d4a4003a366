using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Method;
using SemiDpo.Preferences;
using SemiDpo.Torch;
using SemiDpo.World;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Method;

[Collection(TorchRandomCollection.Name)]
public class ConfidenceScorerTests
{
    public ConfidenceScorerTests() => TorchRuntime.Init();

    [Fact]
    public void Z_IsTheDpoLogitAtEachAnchor_WithTheSeededNoiseOfEachPair()
    {
        Seeding.Everything(21);
        using var reference = new DiffusionModel(new UNetConfig(8, 8), CPU);
        using var policy = new DiffusionModel(new UNetConfig(8, 8), CPU);
        using var pairs = PairSet.From(new WorldBuilder(new WorldConfig(Pairs: 12, Seed: 2)).Pairs(0, 12), policy.Tokenizer);
        var config = new ConfidenceConfig(BatchSize: 5);

        var z = new ConfidenceScorer(new DiffusionDpoLoss(), config).Score(policy, reference, pairs);

        using var noGrad = no_grad();
        policy.UNet.eval();
        reference.UNet.eval();
        var (w, l, tokens) = pairs.Batch(tensor(new long[] { 7 }), CPU);
        var noise = SeededNoise.For(config.Seed, 7, 0, w.shape[1..]);
        var t = full(1, (long)TimestepIntervals.Anchor(3), dtype: ScalarType.Int64);
        var expected = new DiffusionDpoLoss().Logit(policy, reference, w, l, tokens, t, noise).item<float>();
        Assert.Equal(expected, z.Z[7, 3], 3);
    }

    [Fact]
    public void ReferenceMarginCache_GivesTheSameZ_AndIsKeptPerReferenceModel()
    {
        Seeding.Everything(22);
        using var reference = new DiffusionModel(new UNetConfig(8, 8), CPU);
        using var other = new DiffusionModel(new UNetConfig(8, 8), CPU);
        using var policy = new DiffusionModel(new UNetConfig(8, 8), CPU);
        using var pairs = PairSet.From(new WorldBuilder(new WorldConfig(Pairs: 10, Seed: 3)).Pairs(0, 10), policy.Tokenizer);
        var cache = new ReferenceMarginCache();
        var plain = new ConfidenceScorer(new DiffusionDpoLoss(), new ConfidenceConfig(BatchSize: 4));
        var cached = new ConfidenceScorer(new DiffusionDpoLoss(), new ConfidenceConfig(BatchSize: 4), cache);

        var first = cached.Score(policy, reference, pairs);     // fills the cache
        var second = cached.Score(policy, reference, pairs);    // served from it
        var againstOther = cached.Score(policy, other, pairs);  // another reference: computed, not served

        Assert.Equal(plain.Score(policy, reference, pairs).Z, first.Z);
        Assert.Equal(first.Z, second.Z);
        Assert.Equal(plain.Score(policy, other, pairs).Z, againstOther.Z);
        Assert.Equal(2, cache.Margins.Count);
    }

    [Fact]
    public void ScoringOnlySomePairs_GivesTheirFullRunZ_ZeroElsewhere_AndFillsTheCacheForThemOnly()
    {
        Seeding.Everything(23);
        using var reference = new DiffusionModel(new UNetConfig(8, 8), CPU);
        using var policy = new DiffusionModel(new UNetConfig(8, 8), CPU);
        using var pairs = PairSet.From(new WorldBuilder(new WorldConfig(Pairs: 9, Seed: 4)).Pairs(0, 9), policy.Tokenizer);
        var cache = new ReferenceMarginCache();
        var scorer = new ConfidenceScorer(new DiffusionDpoLoss(), new ConfidenceConfig(BatchSize: 2), cache);
        int[] only = [1, 4, 5, pairs.Count - 1];

        var full = new ConfidenceScorer(new DiffusionDpoLoss(), new ConfidenceConfig(BatchSize: 4)).Score(policy, reference, pairs);
        var some = scorer.Score(policy, reference, pairs, only: only);
        var all = scorer.Score(policy, reference, pairs);   // the cached pairs are served, the others computed

        for (var i = 0; i < pairs.Count; i++)
        for (var j = 0; j < TimestepIntervals.Count; j++)
        {
            Assert.Equal(only.Contains(i) ? full.Z[i, j] : 0f, some.Z[i, j], 4);
            Assert.Equal(full.Z[i, j], all.Z[i, j], 4);
        }
    }
}
