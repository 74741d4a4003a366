using System.Text.RegularExpressions;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SemiDpo.Training;

/// <summary>
/// TensorBoard event files of training (through TorchSharp's <see cref="SummaryWriter"/>): one run folder per stage under
/// the log folder ("seed 1: Iter0" → seed-1/Iter0), so Iter0, Iter1 and the baselines overlay under the same tags. Per
/// optimizer step: loss, implicit_acc, lr and the policy's and reference's denoising losses under the names diffusers'
/// DPO example logs (raw_model_loss, ref_loss); <see cref="Scalar"/> for anything else (Semi-DPO's thresholds per interval).
/// <c>tensorboard --logdir DIR</c> reads them.
/// </summary>
public sealed partial class TensorBoardLog : IProgress<TrainingProgress>
{
    readonly string folder;
    readonly Dictionary<string, SummaryWriter> writers = [];
    readonly Lock gate = new();

    /// <summary>Creates <paramref name="folder"/> now, so that a path that cannot be a folder fails before any training.</summary>
    public TensorBoardLog(string folder)
    {
        Directory.CreateDirectory(folder);
        this.folder = folder;
    }

    public string Folder => folder;

    /// <summary>Logs an optimizer step; other progress (sampling, scoring) is ignored.</summary>
    public void Report(TrainingProgress value)
    {
        if (!value.IsOptimizerStep) return;
        lock (gate)
        {
            var writer = Writer(value.Stage);
            var step = checked((int)value.Step);
            writer.add_scalar("loss", (float)value.Loss, step);
            writer.add_scalar("lr", (float)value.LearningRate, step);
            if (value.Accuracy is { } accuracy && !double.IsNaN(accuracy)) writer.add_scalar("implicit_acc", (float)accuracy, step);
            if (value.ModelLoss is { } model) writer.add_scalar("raw_model_loss", (float)model, step);
            if (value.ReferenceLoss is { } reference) writer.add_scalar("ref_loss", (float)reference, step);
        }
    }

    /// <summary>One scalar under <paramref name="stage"/>'s run folder, at <paramref name="step"/> (e.g. a timestep interval's anchor).</summary>
    public void Scalar(string stage, string tag, float value, int step)
    {
        lock (gate) Writer(stage).add_scalar(tag, value, step);
    }

    /// <summary>The run folder of a stage: "seed 1: Iter0" → seed-1/Iter0 (characters other than letters, digits, '.', '_', '-' become '-').</summary>
    public static string RunFolder(string stage) =>
        Path.Combine(stage.Split(':', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(part => Unsafe().Replace(part, "-").Trim('-')).Where(part => part.Length > 0).ToArray());

    SummaryWriter Writer(string stage)
    {
        if (writers.TryGetValue(stage, out var writer)) return writer;
        var path = Path.Combine(folder, RunFolder(stage));
        Directory.CreateDirectory(path);
        return writers[stage] = utils.tensorboard.SummaryWriter(path);
    }

    [GeneratedRegex("[^A-Za-z0-9._-]+")]
    private static partial Regex Unsafe();
}
