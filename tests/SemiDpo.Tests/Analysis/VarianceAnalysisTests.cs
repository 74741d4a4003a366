using SemiDpo.Analysis;
using SemiDpo.Preferences;
using SemiDpo.Torch;
using SemiDpo.World;
using SemiDpo.World.Judges;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Analysis;

[Collection(TorchRandomCollection.Name)]
public class VarianceAnalysisTests
{
    public VarianceAnalysisTests() => TorchRuntime.Init();

    [Fact]
    public void PairTerms_OfAPairAndItsSwap_AddUpToBetaTimesTheGradientNorm()
    {
        // f = (1 − σ(z))β and the swap has f' = σ(z)β with the same ‖Δφ‖², so f‖Δφ‖² + f'‖Δφ‖² = β‖Δφ‖²; at z = 0
        // (policy = reference) each is β/2·‖Δφ‖².
        Seeding.Everything(10);
        using var reference = new DiffusionModel(new UNetConfig(8, 8), CPU);
        using var policy = reference.Copy();
        using (no_grad()) foreach (var p in policy.UNet.parameters()) p.add_(randn_like(p) * 0.05);
        using var pairs = PairSet.From(new WorldBuilder(new WorldConfig(Pairs: 12, Seed: 2)).Pairs(0, 12), policy.Tokenizer);
        int[] picked = [0, 1, 2];

        var straight = PairGradientTerms.Compute(policy, reference, pairs, picked, [false, false, false], 300, 100, 1);
        var swapped = PairGradientTerms.Compute(policy, reference, pairs, picked, [true, true, true], 300, 100, 1);
        var atZero = PairGradientTerms.Compute(policy, policy, pairs, picked, [false, false, false], 300, 100, 1);
        var atZeroSwapped = PairGradientTerms.Compute(policy, policy, pairs, picked, [true, true, true], 300, 100, 1);

        for (var k = 0; k < picked.Length; k++)
        {
            Assert.True(straight[k] > 0);
            Assert.Equal(atZero[k], atZeroSwapped[k], atZero[k] * 1e-4);                    // z = 0 both ways: β/2·‖Δφ‖²
            Assert.Equal(2 * atZero[k], straight[k] + swapped[k], 2 * atZero[k] * 1e-3);     // β‖Δφ‖²
        }
    }

    [Fact]
    public void Run_MeasuresEverySubsetTimestepAndDimension_OnAtMostTheConfiguredPairs()
    {
        Seeding.Everything(11);
        using var reference = new DiffusionModel(new UNetConfig(8, 8), CPU);
        using var policy = reference.Copy();
        using (no_grad()) foreach (var p in policy.UNet.parameters()) p.add_(randn_like(p) * 0.05);
        var world = new WorldBuilder(new WorldConfig(Pairs: 40, Seed: 4)).Pairs(0, 40).Where(p => !p.IsTie).ToList();
        using var clean = PairSet.From(world[..15], policy.Tokenizer);
        using var noisy = PairSet.From(world[15..], policy.Tokenizer);

        var rows = new VarianceAnalysis(new VarianceConfig(PairsPerSubset: 10, Timesteps: [50, 850]))
            .Run(policy, reference, clean, noisy, judges: [new AestheticJudge()]);

        Assert.Equal(2 * 2 * (PairSet.TruthDimensions.Count + 1), rows.Count);
        Assert.Contains(rows, r => r.Dimension == new AestheticJudge().Name && r.Result.Pairs > 0);
        Assert.All(rows, r => Assert.InRange(r.Result.Pairs, 0, 10));
        Assert.All(rows.Where(r => r.Dimension == "true utility"), r => Assert.InRange(r.Result.Pairs, 1, 10));
        Assert.Contains(rows, r => r.Result.PConflict > 0);
    }
}
