using System.ComponentModel;
using System.Diagnostics;
using SemiDpo.Torch;
using SemiDpo.World.Judges;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary><c>semidpo judges train</c>: trains the world's learned judges and writes weights + manifest (SHA-256).</summary>
public sealed class JudgesTrainCommand : Command<JudgesTrainCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--out <DIR>"), Description("Folder for the weights and manifest.json.")]
        public string Out { get; init; } = Path.Combine("data", "judges");

        [CommandOption("--epochs <N>"), Description("Training epochs per judge.")]
        public int Epochs { get; init; } = new JudgeTrainingConfig().Epochs;

        [CommandOption("--device <DEVICE>"), Description("cpu, cuda or cuda:N.")]
        public string? Device { get; init; }

        public override ValidationResult Validate() =>
            Epochs < 1 ? ValidationResult.Error("--epochs must be at least 1.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Init().ToString())}[/]");
        var clock = Stopwatch.StartNew();
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn()).Start(ctx =>
        {
            var tasks = JudgePanel.LearnedSpecs.ToDictionary(s => s.Name, s => ctx.AddTask(s.Name, maxValue: settings.Epochs));
            JudgePanel.Train(settings.Out, TorchDevice.Default(settings.Device), new JudgeTrainingConfig(Epochs: settings.Epochs),
                new Progress<JudgeTrainingProgress>(p =>
                {
                    tasks[p.Judge].Value = p.Epoch;
                    tasks[p.Judge].Description = $"{p.Judge} (loss {p.Loss:F3})";
                }));
        });
        AnsiConsole.MarkupLine($"trained {JudgePanel.LearnedSpecs.Count} judges into {Markup.Escape(settings.Out)} in {clock.Elapsed.TotalSeconds:F0} s");
        return 0;
    }
}
