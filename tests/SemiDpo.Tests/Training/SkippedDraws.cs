using SemiDpo.Diffusion;
using SemiDpo.Preferences;
using SemiDpo.Training;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Training;

/// <summary>What a data-parallel rank relies on when it passes over another rank's micro-batch.</summary>
static class SkippedDraws
{
    /// <summary>
    /// <see cref="DpoTrainer.SkipInputs"/> leaves the timestep RNG and the torch generator exactly where
    /// <see cref="DpoTrainer.Inputs"/> leaves them, micro-batch after micro-batch.
    /// </summary>
    public static void AssertSkipDrawsWhatInputsDraw(TrainingExample[] examples, PairSet labeled, PairSet? unlabeled, IDiffusionModel model, bool mirror, int microBatch)
    {
        using var read = new Generator(11);
        using var skipped = new Generator(11);
        var (readRng, skippedRng) = (new Random(5), new Random(5));
        for (var start = 0; start < examples.Length; start += microBatch)
        {
            var micro = examples[start..Math.Min(examples.Length, start + microBatch)];
            using (NewDisposeScope()) DpoTrainer.Inputs(micro, labeled, unlabeled, model, readRng, read, mirror);
            DpoTrainer.SkipInputs(micro, labeled, unlabeled, model, skippedRng, skipped, mirror);

            using var readState = read.get_state();
            using var skippedState = skipped.get_state();
            Assert.True(readState.equal(skippedState).all().item<bool>(), $"the generator after micro-batch {start / microBatch}: skipping drew otherwise than reading");
            Assert.Equal(readRng.Next(), skippedRng.Next());
        }
    }
}
