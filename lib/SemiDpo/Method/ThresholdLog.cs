using SemiDpo.Training;

namespace SemiDpo.Method;

/// <summary>Semi-DPO's thresholds in TensorBoard, with the interval's anchor timestep as the step axis.</summary>
public static class ThresholdLog
{
    /// <summary>
    /// Per timestep interval of a pseudo-labelled iteration: pairs accepted, τ and the clean-test accuracy of z's sign
    /// (Table 7), as pseudo_labels/accepted, pseudo_labels/tau and pseudo_labels/clean_test_accuracy.
    /// </summary>
    public static void Thresholds(this TensorBoardLog log, string stage, IReadOnlyList<IntervalThreshold> thresholds)
    {
        foreach (var t in thresholds)
        {
            log.Scalar(stage, "pseudo_labels/accepted", t.Accepted, t.Anchor);
            log.Scalar(stage, "pseudo_labels/tau", (float)t.Tau, t.Anchor);
            log.Scalar(stage, "pseudo_labels/clean_test_accuracy", (float)t.TestAccuracy, t.Anchor);
        }
    }

    /// <summary>The thresholds of every pseudo-labelled iteration in <paramref name="reports"/>, each under its stage (prefixed by <paramref name="prefix"/>, e.g. "seed 1").</summary>
    public static void Thresholds(this TensorBoardLog log, IEnumerable<IterationReport> reports, string? prefix = null)
    {
        foreach (var report in reports)
            if (report.Thresholds is { } thresholds)
                log.Thresholds(prefix is null ? report.Name : $"{prefix}: {report.Name}", thresholds);
    }
}
