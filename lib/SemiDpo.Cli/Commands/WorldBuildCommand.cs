using System.ComponentModel;
using System.Diagnostics;
using SemiDpo.Cli.Common;
using SemiDpo.World;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary><c>semidpo world build</c>: renders a miniature world to DIR/pairs.parquet (Pick-a-Pic v2 columns + ground truth).</summary>
public sealed class WorldBuildCommand : AsyncCommand<WorldBuildCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--out <DIR>"), Description("Output folder (pairs.parquet and world.json go there).")]
        public string Out { get; init; } = WorldFiles.DefaultFolder;

        [CommandOption("--pairs <N>"), Description("Number of preference pairs.")]
        public int Pairs { get; init; } = new WorldConfig().Pairs;

        [CommandOption("--seed <S>"), Description("Seed: same seed, byte-identical file.")]
        public int Seed { get; init; } = new WorldConfig().Seed;

        [CommandOption("--image-size <PX>"), Description("Image width and height.")]
        public int ImageSize { get; init; } = new WorldConfig().ImageSize;

        public override ValidationResult Validate()
        {
            try
            {
                Config().Validate();
                return ValidationResult.Success();
            }
            catch (ArgumentException e)
            {
                return ValidationResult.Error(ExitCodes.OneLine(e.Message));
            }
        }

        public WorldConfig Config() => new() { Pairs = Pairs, Seed = Seed, ImageSize = ImageSize };
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var config = settings.Config();
        var files = new WorldFiles(settings.Out);
        var clock = Stopwatch.StartNew();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask($"rendering {config.Pairs:N0} pairs", maxValue: config.Pairs);
                await new WorldBuilder(config).WriteAsync(files.Pairs, new Progress<long>(done => task.Value = done), cancellation);
                task.Value = config.Pairs;
            });
        files.WriteConfig(config);
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(files.Pairs)}[/] ({new FileInfo(files.Pairs).Length / 1024.0 / 1024.0:F1} MB) in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
