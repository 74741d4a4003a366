using Microsoft.Data.Analysis;

namespace SemiDpo.Method;

/// <summary>The per-interval threshold rows as a table (notebooks, CLI, CSV).</summary>
public static class ThresholdTable
{
    /// <summary>The paper's Table 7: implicit-classifier accuracy (%) on the clean test split at t = 50…950 (SD1.5).</summary>
    public static IReadOnlyList<double> PaperTable7 { get; } = [72, 73, 73, 72, 72, 71, 69, 67, 65, 59];

    public static DataFrame ToFrame(IReadOnlyList<IntervalThreshold> rows) => new(
        new Int32DataFrameColumn("t", rows.Select(r => r.Anchor)),
        new DoubleDataFrameColumn("test accuracy", rows.Select(r => r.TestAccuracy)),
        new DoubleDataFrameColumn("paper Table 7", rows.Select(r => PaperTable7[r.Interval] / 100)),
        new DoubleDataFrameColumn("percentile", rows.Select(r => r.Percentile)),
        new DoubleDataFrameColumn("tau", rows.Select(r => r.Tau)),
        new DoubleDataFrameColumn("accuracy above tau", rows.Select(r => r.AcceptedTestAccuracy)),
        new Int32DataFrameColumn("accepted", rows.Select(r => r.Accepted)),
        new Int32DataFrameColumn("swapped", rows.Select(r => r.Swapped)),
        new DoubleDataFrameColumn("pseudo-label precision", rows.Select(r => r.PseudoLabelPrecision ?? double.NaN)),
        new DoubleDataFrameColumn("human label precision", rows.Select(r => r.HumanPrecision ?? double.NaN)));
}
