using SemiDpo.Diffusion;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.World.Model;

[Collection(TorchRandomCollection.Name)]
public class PretrainerTests
{
    static readonly UNetConfig Small = new(Channels: 8, TextWidth: 8);
    static readonly PretrainConfig Quick = new(Steps: 6, BatchSize: 4, WarmupSteps: 2, CheckpointEvery: 3, Seed: 11);

    public PretrainerTests() => TorchRuntime.Init();

    [Fact]
    public void KilledAndResumed_EndsWithTheSameWeightsAsAStraightRun()
    {
        using var temp = TestPaths.NewTempFolder();
        Seeding.Everything(Quick.Seed);
        using var straight = new DiffusionModel(Small, CPU);
        new Pretrainer(straight, Quick).Run(Path.Combine(temp.Path, "straight.ckpt"));

        var interrupted = Path.Combine(temp.Path, "interrupted.ckpt");
        Seeding.Everything(Quick.Seed);
        using (var first = new DiffusionModel(Small, CPU))
        {
            using var kill = new CancellationTokenSource();
            var stopAtHalf = new InlineProgress(p => { if (p.Step == 3) kill.Cancel(); });
            Assert.Throws<OperationCanceledException>(() => new Pretrainer(first, Quick).Run(interrupted, stopAtHalf, kill.Token));
        }
        Seeding.Everything(12345); // a fresh process: other initial weights and RNG, all restored from the checkpoint
        using var resumed = new DiffusionModel(Small, CPU);
        var losses = new Pretrainer(resumed, Quick).Run(interrupted);

        Assert.Equal(3, losses.Count);
        Assert.Equal(Weights(straight), Weights(resumed));
    }

    [Fact]
    public void ACheckpointOfAnotherConfig_IsRefusedAndLeftAlone()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "run.ckpt");
        using var model = new DiffusionModel(Small, CPU);
        new Pretrainer(model, Quick with { Steps = 3 }).Run(path);
        var before = File.ReadAllBytes(path);

        var e = Assert.Throws<CheckpointException>(() => new Pretrainer(model, Quick with { Steps = 3, LearningRate = 1e-3 }).Run(path));

        Assert.Contains("written for config", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Loss_FallsOverAShortRun()
    {
        using var model = new DiffusionModel(Small, CPU);
        var losses = new Pretrainer(model, new PretrainConfig(Steps: 40, BatchSize: 8, WarmupSteps: 5, LearningRate: 2e-3, Seed: 3)).Run(null);

        Assert.All(losses, l => Assert.True(double.IsFinite(l)));
        Assert.True(losses.TakeLast(10).Average() < 0.8 * losses.Take(5).Average(),
            $"first {losses.Take(5).Average():F3}, last {losses.TakeLast(10).Average():F3}");
    }

    static float[] Weights(DiffusionModel model) => model.UNet.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    /// <summary>Reports synchronously on the training thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    sealed class InlineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
