using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SemiDpo.Training;

/// <summary>
/// The optimizer step shared by every trainer: linear warmup of the learning rate, gradient clipping to a global
/// norm, a refusal to step on a non-finite loss or gradient (the weights stay as they were), then the update.
/// </summary>
public static class OptimizerStep
{
    /// <summary>Learning rate at 1-based <paramref name="step"/>: linear warmup over <paramref name="warmup"/> steps, then constant.</summary>
    public static double WarmupRate(double peak, long step, int warmup) =>
        warmup <= 0 ? peak : peak * Math.Min(1.0, (double)step / warmup);

    /// <summary>Clips, checks and steps; throws <see cref="TrainingException"/> (optimizer untouched) on a non-finite gradient.</summary>
    public static void Apply(OptimizerHelper optimizer, IReadOnlyList<Parameter> parameters, double learningRate, double clipNorm, string where)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
        var norm = nn.utils.clip_grad_norm_(parameters, clipNorm);
        if (!double.IsFinite(norm))
            throw new TrainingException($"{where}: the gradient norm is {norm}; the step was not applied.");
        optimizer.step();
        optimizer.zero_grad();
    }
}
