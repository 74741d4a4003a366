using SemiDpo.Training;

namespace SemiDpo.Tests.Training;

/// <summary>A trainer run to its end, or cancelled after a step as a killed process would be (for resume tests).</summary>
internal static class KilledRun
{
    /// <summary>
    /// Runs <paramref name="train"/> with a progress that cancels after step <paramref name="killAfter"/> (asserting
    /// that the run stops there); returns its log, or an empty one when it was killed.
    /// </summary>
    public static TrainingLog Train(int? killAfter, Func<IProgress<TrainingProgress>, CancellationToken, TrainingLog> train)
    {
        using var cancel = new CancellationTokenSource();
        var progress = new InlineProgress<TrainingProgress>(p => { if (p.Step == killAfter) cancel.Cancel(); });
        if (killAfter is null) return train(progress, cancel.Token);
        Assert.ThrowsAny<OperationCanceledException>(() => train(progress, cancel.Token));
        return new TrainingLog("killed", [], []);
    }
}
