using SemiDpo.Training;
using Spectre.Console;

namespace SemiDpo.Cli.Common;

/// <summary>One progress bar per stage (created when the stage first reports), kept on screen after the work ends.</summary>
public static class StageProgressBars
{
    /// <summary>Runs <paramref name="work"/> with a progress sink that drives the bars; <paramref name="also"/> sees every report too.</summary>
    public static void Run(Action<IProgress<TrainingProgress>> work, Action<TrainingProgress>? also = null) =>
        AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                work(new InlineProgress<TrainingProgress>(p =>
                {
                    if (!tasks.TryGetValue(p.Stage, out var task)) tasks[p.Stage] = task = ctx.AddTask(Markup.Escape(p.Stage), maxValue: p.TotalSteps);
                    task.Value = p.Step;
                    also?.Invoke(p);
                }));
            });
}
