using System.Diagnostics;
using Microsoft.Data.Analysis;

namespace SemiDpo.Cli.Common;

/// <summary>
/// Wall time per stage of a sequential run, from its progress reports: a stage lasts from the previous stage's last
/// report to its own last report.
/// </summary>
internal sealed class StageTimings
{
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly List<(string Stage, double Start, double End)> stages = [];

    public void Report(string stage)
    {
        var now = clock.Elapsed.TotalSeconds;
        if (stages.Count > 0 && stages[^1].Stage == stage) stages[^1] = stages[^1] with { End = now };
        else stages.Add((stage, stages.Count == 0 ? 0 : stages[^1].End, now));
    }

    public DataFrame ToFrame() => new(
        new StringDataFrameColumn("stage", stages.Select(s => s.Stage)),
        new DoubleDataFrameColumn("seconds", stages.Select(s => Math.Round(s.End - s.Start, 1))));
}
