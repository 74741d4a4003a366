using System.ComponentModel;
using System.Diagnostics;
using SemiDpo.Data;
using SemiDpo.IO;
using SemiDpo.Rewards;
using SemiDpo.Torch;
using SemiDpo.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo score</c>: Stage 1's scoring with the real reward models, in the official pipeline's file format
/// (scores_rank{r:03d}.jsonl), streamed a row group at a time, resumable, one shard per process.
/// </summary>
public sealed class ScoreCommand : AsyncCommand<ScoreCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--judges <SPEC>"), Description("clip=DIR,aesthetic=FILE.pth,pickscore=DIR,hps=FILE.pt,imagereward=FILE.onnx (official score names: clip_score, aesthetic_score, pick_score, hps_score; ONNX judges take their sidecar's name).")]
        public string Judges { get; init; } = "";

        [CommandOption("--in <PARQUET>"), Description("Pick-a-Pic style parquet of pairs (caption, jpg_0, jpg_1, label_0, label_1): a file, a folder of shards or a glob.")]
        public string In { get; init; } = "";

        [CommandOption("--out <FILE>"), Description("Score file to write or resume (default: scores_rank{rank:000}.jsonl in the current folder).")]
        public string? Out { get; init; }

        [CommandOption("--tokenizer <DIR>"), Description("CLIP tokenizer folder for judges shipped without one (PickScore, HPSv2); default: the clip= folder.")]
        public string? Tokenizer { get; init; }

        [CommandOption("--judge-dtype <T>"), Description("dtype of the CLIP judges' towers: float32 | float16 | bfloat16 (default: float16 on CUDA, as the official reward models; float32 on the CPU).")]
        public string? JudgeDType { get; init; }

        [CommandOption("--rank <N>"), Description("This process's shard: pairs with row mod world-size = rank (default: SLURM_ARRAY_TASK_ID or RANK, else 0).")]
        public int? Rank { get; init; }

        [CommandOption("--world-size <N>"), Description("Number of shards (default: SLURM_ARRAY_TASK_COUNT or WORLD_SIZE, else 1).")]
        public int? WorldSize { get; init; }

        [CommandOption("--batch <N>"), Description("Pairs per batch (2 images each).")]
        public int Batch { get; init; } = 16;

        [CommandOption("--skip-bad-rows"), Description("Leave out rows with undecodable images or bad labels (counted) instead of stopping.")]
        public bool SkipBadRows { get; init; }

        [CommandOption("--device <DEVICE>"), Description("cpu, cuda or cuda:N (default: cuda when available).")]
        public string? Device { get; init; }

        public override ValidationResult Validate()
        {
            if (Judges.Length == 0) return ValidationResult.Error("--judges is required, e.g. clip=/models/clip-vit-large-patch14,aesthetic=/models/sac+logos+ava1-l14-linearMSE.pth");
            if (In.Length == 0) return ValidationResult.Error("--in is required: a Pick-a-Pic style parquet file.");
            if (Batch < 1) return ValidationResult.Error("--batch must be at least 1.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var shard = Shard.Resolve(settings.Rank, settings.WorldSize);
        TorchRuntime.Init();
        var device = TorchDevice.Default(settings.Device);
        var judges = RealJudges.Load(settings.Judges, device, settings.Tokenizer, dtype: DTypeOption.Parse(settings.JudgeDType, "--judge-dtype"));
        var output = settings.Out ?? shard.FileName("scores", ".jsonl");
        using var outputLock = OutputLock.AcquireFile(output);
        using var file = ScoreJsonl.Open(output, judges.Select(j => j.Name).ToList());
        var reader = await PickapicShards.OpenAsync(settings.In, new PickapicReadOptions(settings.SkipBadRows), cancellation);
        var total = (reader.RowCount + shard.WorldSize - 1 - shard.Rank) / shard.WorldSize;
        AnsiConsole.MarkupLine($"scoring shard {shard.Rank} of {shard.WorldSize} ({total:N0} pairs) with {string.Join(", ", judges.Select(j => j.Name))} → {Markup.Escape(output)}" +
            (file.Done.Count > 0 ? $" (resuming: {file.Done.Count:N0} rows already there)" : ""));
        var clock = Stopwatch.StartNew();
        var scored = 0;
        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("pairs", maxValue: Math.Max(1, total));
                task.Increment(file.Done.Count);
                var done = 0;
                scored = await ShardScoring.RunAsync(judges, reader, file, shard, settings.Batch, new InlineProgress<int>(n =>
                {
                    done += n;
                    task.Increment(n);
                    task.Description = $"pairs ({2 * done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):F1} images/s)";
                }), cancellation);
                task.Value = task.MaxValue;
            });
        AnsiConsole.MarkupLine($"scored {scored:N0} pairs in {clock.Elapsed.TotalSeconds:F1} s ({2 * scored / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):F1} images/s); {Markup.Escape($"rows left out by design: {reader.Excluded}; bad rows skipped: {reader.Skipped}")}");
        return 0;
    }
}
