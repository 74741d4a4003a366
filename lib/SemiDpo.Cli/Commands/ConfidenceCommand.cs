using System.ComponentModel;
using System.Globalization;
using SemiDpo.Alignment;
using SemiDpo.Diffusion;
using SemiDpo.IO;
using SemiDpo.Official;
using SemiDpo.Rewards;
using SemiDpo.Torch;
using SemiDpo.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo confidence</c>: one stage of Stage 2 on its own — z⁽ᵗ⁾ of a trained model against a reference for the
/// clean test and unlabeled pairs, the per-interval thresholds, and the pseudo-labels they give (counts and precision).
/// Shardable across processes (<c>--rank/--world-size</c>, or SLURM / torchrun variables): each shard scores its share
/// of the forward batches into its own official <c>confidence_rank{r:03d}.jsonl</c> files (by source idx; a pair's noise
/// is seeded by its place in the whole set and its batch is the one-process batch, so shards give the z of one process
/// bit for bit), and the process that finds every shard present fits the thresholds and writes the merged outputs.
/// </summary>
public sealed class ConfidenceCommand : AsyncCommand<ConfidenceCommand.Settings>
{
    public sealed class Settings : ThresholdSettings
    {
        [CommandOption("--model <FILE>"), Description("The trained model (e.g. results/train/iter0.ckpt).")]
        public string Model { get; init; } = "";

        [CommandOption("--reference <FILE>"), Description("The reference model (default: the base model, as the official code).")]
        public string Reference { get; init; } = BaseModelFile.DefaultPath;

        [CommandOption("--filter <DIR>"), Description("Folder written by `semidpo filter`.")]
        public string Filter { get; init; } = Path.Combine("data", "cache", "filter");

        [CommandOption("--out <DIR>"), Description("Writes z-test.csv, z-unlabeled.csv (pair × anchor) and thresholds.csv here.")]
        public string Out { get; init; } = Path.Combine("results", "confidence");

        [CommandOption("--unlabeled-sample <N>"), Description("Score at most N unlabeled pairs (0 = all).")]
        public int UnlabeledSample { get; init; }

        [CommandOption("--noise-draws <N>"), Description("Noise draws per pair, each reused at all anchors (official: 1).")]
        public int NoiseDraws { get; init; } = new ConfidenceConfig().NoiseDraws;

        [CommandOption("--beta <B>"), Description("DPO β (official Semi-DPO convention).")]
        public double Beta { get; init; } = DiffusionDpoLoss.OfficialBeta;

        [CommandOption("--skip-bad-rows"), Description("Leave out pairs with a missing caption, bad labels or undecodable images (counted) instead of stopping at the first.")]
        public bool SkipBadRows { get; init; }

        [CommandOption("--device <DEVICE>"), Description("cpu, cuda or cuda:N.")]
        public string? Device { get; init; }

        [CommandOption("--rank <N>"), Description("This process's shard: forward batches with batch mod world-size = rank (default: SLURM_ARRAY_TASK_ID or RANK, else 0).")]
        public int? Rank { get; init; }

        [CommandOption("--world-size <N>"), Description("Number of shards (default: SLURM_ARRAY_TASK_COUNT or WORLD_SIZE, else 1).")]
        public int? WorldSize { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model is required.")
            : NoiseDraws < 1 ? ValidationResult.Error("--noise-draws must be at least 1.")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var shard = Shard.Resolve(settings.Rank, settings.WorldSize);
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Init().ToString())}[/]");
        var device = TorchDevice.Default(settings.Device);
        using var model = DiffusionModel.Load(settings.Model, device);
        using var reference = BaseModelFile.LoadAny(settings.Reference, device);
        var skipped = new Data.SkippedRows();
        using var data = await StageTwoData.LoadAsync(new ConsensusFiles(settings.Filter), model.Tokenizer, cancellation, options: new Data.PickapicReadOptions(settings.SkipBadRows), skipped: skipped);
        if (skipped.Count > 0) AnsiConsole.MarkupLine("[yellow]" + Markup.Escape($"bad rows skipped: {skipped}") + "[/]");
        var unlabeled = settings.UnlabeledSample > 0 && settings.UnlabeledSample < data.Unlabeled.Count
            ? data.Unlabeled.Subset(settings.UnlabeledSample, new ConfidenceConfig().Seed) : data.Unlabeled;
        var scorer = new ConfidenceScorer(new DiffusionDpoLoss(settings.Beta), new ConfidenceConfig(NoiseDraws: settings.NoiseDraws));
        var shardFile = shard.FileName("confidence", ".jsonl");
        using (OutputLock.AcquireFile(Path.Combine(settings.Out, "unlabeled", shardFile)))
        {
            ClaimRun(settings, shard, data.CleanTest.Count, unlabeled.Count);
            if (File.Exists(Path.Combine(settings.Out, "unlabeled", shardFile)) && File.Exists(Path.Combine(settings.Out, "test", shardFile)))
                AnsiConsole.MarkupLine($"shard {shard.Rank} of {shard.WorldSize}: scored by an earlier run of this command (its files are complete), not scored again");
            else
                ScoreShard(settings.Out, shard, model, reference, data.CleanTest, unlabeled, scorer, cancellation);
        }
        var present = shard.FilesPresent(Path.Combine(settings.Out, "unlabeled"), "confidence", ".jsonl");
        if (present < shard.WorldSize)
        {
            AnsiConsole.MarkupLine($"{present} of {shard.WorldSize} shards present in {Markup.Escape(settings.Out)}: the last shard to finish fits the thresholds and writes the pseudo-labels.");
            return 0;
        }
        // Every shard is here: the merged tables, in the sets' order.
        var zTest = ConfidenceFiles.Table(ConfidenceFiles.Read(Path.Combine(settings.Out, "test")), data.CleanTest.Rows, settings.Out);
        var zUnlabeled = ConfidenceFiles.Table(ConfidenceFiles.Read(Path.Combine(settings.Out, "unlabeled")), unlabeled.Rows, settings.Out);
        var thresholds = ThresholdSchedule.Fit(settings.ToThresholdConfig(), zTest, zUnlabeled, unlabeled.HumanIsTrue);
        var labels = PseudoLabeler.Label(zUnlabeled, thresholds);
        Directory.CreateDirectory(settings.Out);
        WriteZ(Path.Combine(settings.Out, "z-test.csv"), zTest);
        WriteZ(Path.Combine(settings.Out, "z-unlabeled.csv"), zUnlabeled);
        ConfidenceSummary.Write(settings.Out, ConfidenceSummary.Summarize(zTest));
        PseudoLabelFile.Write(Path.Combine(settings.Out, "pseudo_labels.json"), unlabeled.Rows, labels);
        var frame = ThresholdTable.ToFrame(thresholds);
        SemiDpo.Analysis.TableFiles.SaveCsv(frame, Path.Combine(settings.Out, "thresholds.csv"));
        Tables.Print(frame, "thresholds per timestep interval (Table 7 analogue)", true, "percentile", "tau");
        AnsiConsole.MarkupLine($"pseudo-labelled: {labels.PairsAccepted:N0} of {unlabeled.Count:N0} unlabeled pairs ({labels.SlotsAccepted:N0} pair-intervals); wrote {Markup.Escape(settings.Out)}");
        return 0;
    }

    /// <summary>z of the pairs this shard owns, into its test/ and unlabeled/ confidence files.</summary>
    static void ScoreShard(string folder, Shard shard, IDiffusionModel model, IDiffusionModel reference, PairSet test, PairSet unlabeled,
        ConfidenceScorer scorer, CancellationToken cancellation)
    {
        var owned = (Test: Owned(test, shard, scorer.BatchSize), Unlabeled: Owned(unlabeled, shard, scorer.BatchSize));
        AnsiConsole.MarkupLine($"shard {shard.Rank} of {shard.WorldSize}: {owned.Test.Length:N0} clean test and {owned.Unlabeled.Length:N0} unlabeled pairs");
        ConfidenceTable zTest = null!, zUnlabeled = null!;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()).Start(ctx =>
        {
            var testTask = ctx.AddTask("clean test pairs", maxValue: owned.Test.Length);
            var unlabeledTask = ctx.AddTask("unlabeled pairs", maxValue: owned.Unlabeled.Length);
            zTest = scorer.Score(model, reference, test, new InlineProgress<(int Done, int Total)>(p => testTask.Value = p.Done), cancellation, owned.Test);
            zUnlabeled = scorer.Score(model, reference, unlabeled, new InlineProgress<(int Done, int Total)>(p => unlabeledTask.Value = p.Done), cancellation, owned.Unlabeled);
        });
        WriteShard(Path.Combine(folder, "test"), shard, test.Rows, zTest, owned.Test);
        WriteShard(Path.Combine(folder, "unlabeled"), shard, unlabeled.Rows, zUnlabeled, owned.Unlabeled);
    }

    /// <summary>Indices of the pairs this shard scores: its whole forward batches.</summary>
    static int[] Owned(PairSet pairs, Shard shard, int batch) =>
        shard.OwnedBatches(pairs.Count, batch).SelectMany(r => Enumerable.Range(r.Start.Value, r.End.Value - r.Start.Value)).ToArray();

    /// <summary>The official confidence file of this shard: the owned pairs' z by source idx.</summary>
    static void WriteShard(string folder, Shard shard, long[] idx, ConfidenceTable z, int[] owned)
    {
        Directory.CreateDirectory(folder);
        var rows = new float[owned.Length, TimestepIntervals.Count];
        for (var k = 0; k < owned.Length; k++)
        for (var j = 0; j < TimestepIntervals.Count; j++)
            rows[k, j] = z.Z[owned[k], j];
        ConfidenceFiles.Write(Path.Combine(folder, shard.FileName("confidence", ".jsonl")), owned.Select(i => idx[i]).ToArray(), new ConfidenceTable(rows));
    }

    /// <summary>
    /// Records what the shards of <c>--out</c> score (models, β, noise, world size, set sizes) in run.json, or refuses a
    /// folder that holds shards of another run — they would be merged into this one.
    /// </summary>
    static void ClaimRun(Settings settings, Shard shard, int testPairs, int unlabeledPairs)
    {
        var files = new ConsensusFiles(settings.Filter);
        var run = System.Text.Json.JsonSerializer.Serialize(new
        {
            Model = RunClaim.Stamp(settings.Model), Reference = RunClaim.Stamp(settings.Reference), Filter = new[] { files.CleanTest, files.Noisy }.Select(RunClaim.Stamp),
            settings.Beta, settings.NoiseDraws, settings.UnlabeledSample, shard.WorldSize, TestPairs = testPairs, UnlabeledPairs = unlabeledPairs,
        });
        RunClaim.Check(Path.Combine(settings.Out, "run.json"), run, "confidence shards");
    }

    static void WriteZ(string path, ConfidenceTable z) =>
        CsvFile.Write(path, [.. Enumerable.Range(0, TimestepIntervals.Count).Select(j => $"z_t{TimestepIntervals.Anchor(j)}").Prepend("pair")],
            Enumerable.Range(0, z.Pairs).Select(i => Enumerable.Range(0, TimestepIntervals.Count).Select(j => (object?)z.Z[i, j]).Prepend(i)));
}
