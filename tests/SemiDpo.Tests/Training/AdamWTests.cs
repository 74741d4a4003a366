using SemiDpo.Torch;
using SemiDpo.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Training;

public class AdamWTests
{
    public AdamWTests() => TorchRuntime.Init();

    /// <summary>Two weights and a deterministic loss whose gradients differ from step to step.</summary>
    static List<Parameter> Weights() =>
    [
        new Parameter(linspace(-1, 1, 24).reshape(4, 6)),
        new Parameter(arange(5, dtype: float32).sin()),
    ];

    static bool Same(Tensor a, Tensor b) => a.eq(b).all().item<bool>();

    static void TrainFiveSteps(IReadOnlyList<Parameter> weights, OptimizerHelper optimizer)
    {
        for (var step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            var loss = weights[0].pow(3).sum() * (step + 1) + (weights[1] * weights[1].cos()).sum();
            loss.backward();
            optimizer.step();
            optimizer.zero_grad();
        }
    }

    [Fact]
    public void Step_MatchesTorchSharpsAdamW_BitForBit_WeightsAndMoments()
    {
        var (ours, theirs) = (Weights(), Weights());
        using var scoped = new SemiDpo.Training.AdamW(ours, 1e-2, weightDecay: 1e-2);
        using var reference = optim.AdamW(theirs, 1e-2, weight_decay: 1e-2);

        TrainFiveSteps(ours, scoped);
        TrainFiveSteps(theirs, reference);

        Assert.All(ours.Zip(theirs), p => Assert.True(Same(p.First, p.Second), "weights differ"));
        Assert.False(Same(ours[0], Weights()[0]), "the weights moved");
        using var ourState = new MemoryStream();
        using var theirState = new MemoryStream();
        scoped.save_state_dict(new BinaryWriter(ourState));
        reference.save_state_dict(new BinaryWriter(theirState));
        Assert.Equal(theirState.ToArray(), ourState.ToArray());   // type name, step counts and both moments: checkpoints move between the two
    }

    [Fact]
    public void Step_LeavesParametersWithoutAGradientAlone()
    {
        var weights = Weights();
        var before = weights[1].detach().clone();
        using var optimizer = new SemiDpo.Training.AdamW(weights, 1e-2, weightDecay: 1e-2);
        weights[0].sum().backward();
        optimizer.step();
        Assert.True(Same(weights[1], before));
    }
}
