using System.Diagnostics;
using System.Net;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Formatting;
using SemiDpo.Training;

namespace SemiDpo.Interactive;

/// <summary>
/// A live progress line for long notebook cells: one output per cell, updated in place as each stage starts and ends,
/// with the seconds since the cell began. One instance serves every cell of a notebook (the line belongs to the cell
/// that reports). A headless run (dotnet repl) records each update as an output of its own; they carry
/// <see cref="CssClass"/>, so the rendered pages keep only a cell's last line.
/// </summary>
public sealed class NotebookProgress : IProgress<TrainingProgress>
{
    /// <summary>The HTML class of a progress line's output.</summary>
    public const string CssClass = "semidpo-progress";

    KernelCommand? cell;
    DisplayedValue? line;
    readonly Stopwatch clock = new();

    /// <summary>Shows a stage's first and last step (not every step: each update is an output in a headless run).</summary>
    public void Report(TrainingProgress value)
    {
        if (value.Step == 1 || value.Step == value.TotalSteps)
            Report($"{value.Stage}: {value.Step}/{value.TotalSteps}");
    }

    /// <summary>Shows <paramref name="message"/> as the current cell's progress line.</summary>
    public void Report(string message)
    {
        if (KernelInvocationContext.Current is not { } context)
            return;
        if (line is null || !ReferenceEquals(context.Command, cell))
        {
            cell = context.Command;
            clock.Restart();
            line = context.Display(new ProgressLine(message, clock.Elapsed), HtmlFormatter.MimeType);
        }
        else
            line.Update(new ProgressLine(message, clock.Elapsed));
    }
}

/// <summary>One state of a <see cref="NotebookProgress"/> line (its HTML formatter is registered by <see cref="SemiDpoKernelExtension"/>).</summary>
public sealed record ProgressLine(string Message, TimeSpan Elapsed)
{
    public string Html() => $"<div class=\"{NotebookProgress.CssClass}\">{WebUtility.HtmlEncode(ToString())}</div>";

    public override string ToString() => $"{Message} · {Elapsed.TotalSeconds:F0} s";
}
