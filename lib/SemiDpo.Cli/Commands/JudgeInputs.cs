using System.ComponentModel;
using SemiDpo.Data;
using SemiDpo.Rewards;
using SemiDpo.Torch;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>Options shared by the Stage-1 commands: which pairs, and which scores (judges or score files).</summary>
public class JudgeInputSettings : CommandSettings
{
    [CommandOption("--in <PATH>"), Description("Pairs: a world folder or a Pick-a-Pic style parquet file.")]
    public string In { get; init; } = WorldFiles.DefaultFolder;

    [CommandOption("--judges <DIR>"), Description("Folder of the trained judges (weights + manifest.json).")]
    public string Judges { get; init; } = Path.Combine("data", "judges");

    [CommandOption("--scores <FILE>"), Description("Use scores computed elsewhere (jsonl {\"row\": i, \"<model>\": [[s0, s1]]}, or CSV / parquet with row,<model>_0,<model>_1) instead of running the judges. Repeatable.")]
    public string[] Scores { get; init; } = [];

    [CommandOption("--device <DEVICE>"), Description("cpu, cuda or cuda:N (default: cuda when available).")]
    public string? Device { get; init; }

    public string PairsPath => Directory.Exists(In) ? new WorldFiles(In).Pairs : In;
}

/// <summary>Loads pairs and their scores for the Stage-1 commands.</summary>
internal static class JudgeInputs
{
    public static async Task<List<PreferencePair>> LoadPairs(JudgeInputSettings settings, CancellationToken cancellation)
    {
        List<PreferencePair> pairs = [];
        await AnsiConsole.Status().StartAsync($"reading {settings.PairsPath}", async _ =>
            pairs = await PickapicFile.ReadPairsAsync(settings.PairsPath, cancellation: cancellation));
        return pairs;
    }

    public static ScoreTable Scores(JudgeInputSettings settings, IReadOnlyList<PreferencePair> pairs)
    {
        if (settings.Scores.Length > 0)
        {
            var imported = ScoreFiles.Read(settings.Scores);
            if (imported.Rows != pairs.Count)
                throw new ScoreFileException(string.Join(", ", settings.Scores), 0, $"scores cover {imported.Rows} rows but {settings.PairsPath} has {pairs.Count} pairs.");
            return imported;
        }
        TorchRuntime.Init();
        var committee = JudgePanel.Load(settings.Judges, TorchDevice.Default(settings.Device));
        ScoreTable? scores = null;
        AnsiConsole.Progress().Start(ctx =>
        {
            var task = ctx.AddTask($"scoring {pairs.Count:N0} pairs with {committee.Judges.Count} judges", maxValue: committee.Judges.Count);
            scores = committee.Score(pairs, new Progress<string>(_ => task.Increment(1)));
            task.Value = task.MaxValue;
        });
        return scores!;
    }
}
