using System.ComponentModel;
using SemiDpo.Analysis;
using SemiDpo.Cli.Common;
using SemiDpo.Diffusion;
using SemiDpo.IO;
using SemiDpo.Losses;
using SemiDpo.Method;
using SemiDpo.Official;
using SemiDpo.Preferences;
using SemiDpo.Rewards;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World.Model;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo confidence</c>: one stage of Stage 2 on its own — z⁽ᵗ⁾ of a trained model against a reference for the
/// clean test, unlabeled and (for the official threshold population) clean training pairs, the per-interval
/// thresholds, and the pseudo-labels they give (counts and precision), written as <c>train</c> writes them: the same
/// pseudo_labels.json from the same inputs (the clean training pairs as +1, <c>--past-labels</c> ranked last).
/// The model is a checkpoint of the world's model or a diffusers Stable Diffusion folder (e.g. <c>train --export</c>'s,
/// against the base folder; latents from the cache when it is complete). Shardable across processes
/// (<c>--rank/--world-size</c>, or SLURM / torchrun variables): each shard scores its share of the forward batches into
/// its own official <c>confidence_rank{r:03d}.jsonl</c> files (by source idx; a pair's noise is seeded by its place in
/// the whole set and its batch is the one-process batch, so shards give the z of one process bit for bit), and the
/// process that finds every shard present fits the thresholds and writes the merged outputs. With <c>--from</c> it
/// scores nothing and fits the thresholds from confidence files already written (ours or the official pipeline's).
/// </summary>
public sealed class ConfidenceCommand : AsyncCommand<ConfidenceCommand.Settings>
{
    public sealed class Settings : ThresholdSettings
    {
        [CommandOption("--model <PATH>"), Description("The trained model: a checkpoint (e.g. results/train/iter0.ckpt) or a diffusers Stable Diffusion folder (train --export).")]
        public string Model { get; init; } = "";

        [CommandOption("--reference <PATH>"), Description("The reference model (default: the world's base model, as the official code uses the base); for a Stable Diffusion --model, the base diffusers folder.")]
        public string? Reference { get; init; }

        [CommandOption("--resolution <N>"), Description("Stable Diffusion: the side images are resized and cropped to (default: the model's sample size × the VAE's scale).")]
        public int? Resolution { get; init; }

        [CommandOption("--from <DIR>"), Description("Score nothing: fit the thresholds from DIR/test, DIR/unlabeled (and, for the official population, DIR/clean) confidence_rank*.jsonl files (ours or the official compute_confidence.py's, by source idx).")]
        public string? From { get; init; }

        [CommandOption("--filter <DIR>"), Description("Folder written by `semidpo filter`.")]
        public string Filter { get; init; } = Path.Combine("data", "cache", "filter");

        [CommandOption("--out <DIR>"), Description("Writes z-test.csv, z-unlabeled.csv (pair × anchor) and thresholds.csv here.")]
        public string Out { get; init; } = Path.Combine("results", "confidence");

        [CommandOption("--unlabeled-sample <N>"), Description("Score at most N unlabeled pairs (0 = all).")]
        public int UnlabeledSample { get; init; }

        [CommandOption("--clean-idx <FILE>"), Description("The clean pairs pseudo_labels.json lists as +1 (the official --clean_idx_path): an idx list such as the filter's clean_idx_part{i-1}.json for iteration i, whose anchors they are, as train writes it. Default: every clean training pair (clean_idx.json).")]
        public string? CleanIdx { get; init; }

        [CommandOption("--past-labels <FILES>"), Description("Comma-separated pseudo_labels.json files of earlier iterations: the pairs they list rank last (|z| counts as 0, never accepted) — the unlabeled pairs they label and, with the official population, the clean pairs they list as +1 — as train does in Iter2 and the official --past_pseudo_labels.")]
        public string? PastLabels { get; init; }

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
            From is not null && (Model != "" || Reference is not null) ? ValidationResult.Error("--from fits the thresholds from files: it takes no --model or --reference.")
            : From is null && string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model is required (or --from, to fit the thresholds from confidence files).")
            : Directory.Exists(Model) && Reference is { } r && !Directory.Exists(r) ? ValidationResult.Error($"--reference: {r} is not a folder; a Stable Diffusion --model needs the base diffusers folder.")
            : Directory.Exists(Model) && Reference is null ? ValidationResult.Error("--reference is required with a Stable Diffusion --model: the base diffusers folder.")
            : NoiseDraws < 1 ? ValidationResult.Error("--noise-draws must be at least 1.")
            : Resolution is < 8 ? ValidationResult.Error("--resolution must be at least 8.")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var files = new ConsensusFiles(settings.Filter);
        if (settings.From is { } from) return await FitFromFilesAsync(settings, files, from, cancellation);
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Init().ToString())}[/]");
        var device = TorchDevice.Default(settings.Device);
        var skipped = new Data.SkippedRows();
        var options = new Data.PickapicReadOptions(settings.SkipBadRows);
        if (Directory.Exists(settings.Model))
        {
            using var model = StableDiffusionModel.Load(settings.Model, device);
            using var reference = StableDiffusionModel.Load(settings.Reference!, device);
            var resolution = settings.Resolution ?? model.DefaultImageSize;
            var (loaded, source) = await StableDiffusionInputs.LoadAsync(model, files, resolution, mirrored: false, streamImages: false, options, skipped, cancellation);
            using var data = loaded;
            AnsiConsole.MarkupLine(Markup.Escape($"{settings.Model} against {settings.Reference}: pairs at {resolution}² {source}"));
            return Run(settings, model, reference, data, skipped, cancellation);
        }
        else
        {
            using var model = DiffusionModel.Load(settings.Model, device);
            using var reference = BaseModelFile.LoadAny(settings.Reference ?? BaseModelFile.DefaultPath, device);
            using var data = await StageTwoData.LoadAsync(files, model.Tokenizer, cancellation, options: options, skipped: skipped);
            return Run(settings, model, reference, data, skipped, cancellation);
        }
    }

    /// <summary>Scores this shard's pairs (unless an earlier run did) and, when every shard is present, merges them.</summary>
    static int Run(Settings settings, IDiffusionModel model, IDiffusionModel reference, StageTwoData data, Data.SkippedRows skipped, CancellationToken cancellation)
    {
        var shard = Shard.Resolve(settings.Rank, settings.WorldSize);
        if (skipped.Count > 0) AnsiConsole.MarkupLine("[yellow]" + Markup.Escape($"bad rows skipped: {skipped}") + "[/]");
        using var sample = settings.UnlabeledSample > 0 && settings.UnlabeledSample < data.Unlabeled.Count
            ? data.Unlabeled.Subset(settings.UnlabeledSample, new ConfidenceConfig().Seed) : null;
        var unlabeled = sample ?? data.Unlabeled;
        var scorer = new ConfidenceScorer(new DiffusionDpoLoss(settings.Beta), new ConfidenceConfig(NoiseDraws: settings.NoiseDraws));
        var shardFile = shard.FileName("confidence", ".jsonl");
        using (OutputLock.AcquireFile(Path.Combine(settings.Out, "unlabeled", shardFile)))
        {
            ClaimRun(settings, shard, data.CleanTest.Count, unlabeled.Count);
            var clean = AllScored(settings) ? data.CleanTrain : null;
            if (Sets(clean).All(set => File.Exists(Path.Combine(settings.Out, set, shardFile))))
                AnsiConsole.MarkupLine($"shard {shard.Rank} of {shard.WorldSize}: scored by an earlier run of this command (its files are complete), not scored again");
            else
                ScoreShard(settings.Out, shard, model, reference, data.CleanTest, unlabeled, clean, scorer, cancellation);
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
        var zClean = AllScored(settings) ? ConfidenceFiles.Table(ConfidenceFiles.Read(Path.Combine(settings.Out, "clean")), data.CleanTrain.Rows, settings.Out) : null;
        Fit(settings, zTest, zUnlabeled, unlabeled.Rows, unlabeled.HumanIsTrue, zClean, data.CleanTrain.Rows);
        return 0;
    }

    /// <summary>
    /// <c>--from</c>: the clean-test and noisy pairs of the filter folder that the confidence files score (read without
    /// their images), in the sets' order, and the thresholds and pseudo-labels their z give.
    /// </summary>
    static async Task<int> FitFromFilesAsync(Settings settings, ConsensusFiles files, string from, CancellationToken cancellation)
    {
        var (zTest, testRows, _) = await Scored(files.CleanTest, Path.Combine(from, "test"), cancellation);
        var (zUnlabeled, unlabeledRows, humanIsTrue) = await Scored(files.Noisy, Path.Combine(from, "unlabeled"), cancellation);
        (ConfidenceTable Z, long[] Rows, bool[]? _)? clean = null;
        if (AllScored(settings))
        {
            if (!Directory.Exists(Path.Combine(from, "clean")))
                throw new ArgumentException($"{Path.Combine(from, "clean")} is missing: the official threshold population needs the clean training pairs' z (or give --threshold-population stillunlabelled).");
            clean = await Scored(files.CleanTrain, Path.Combine(from, "clean"), cancellation);
        }
        AnsiConsole.MarkupLine(Markup.Escape($"{from}: z of {testRows.Length:N0} clean test, {unlabeledRows.Length:N0} unlabeled{(clean is { } c ? $" and {c.Rows.Length:N0} clean training" : "")} pairs of {settings.Filter}"));
        Fit(settings, zTest, zUnlabeled, unlabeledRows, humanIsTrue, clean?.Z, clean?.Rows ?? []);
        return 0;
    }

    /// <summary>The z of the non-tie pairs of <paramref name="set"/> that the confidence files of <paramref name="folder"/> list; every listed idx must be one of them.</summary>
    static async Task<(ConfidenceTable Z, long[] Rows, bool[]? HumanIsTrue)> Scored(string set, string folder, CancellationToken cancellation)
    {
        if (!File.Exists(set)) throw new FileNotFoundException($"{set} is missing: run `semidpo filter` first.", set);
        var z = ConfidenceFiles.Read(folder);
        var source = await Data.PickapicShards.OpenAsync(set, cancellation: cancellation);
        var pairs = await source.ReadEncodedAsync(withImages: false, cancellation).Where(p => !p.IsTie && z.ContainsKey(p.Row)).ToListAsync(cancellation);
        if (pairs.Count < z.Count)
        {
            var known = pairs.Select(p => p.Row).ToHashSet();
            throw new ScoreFileException(folder, 0, $"pair idx {z.Keys.First(i => !known.Contains(i))} is not a non-tie pair of {set}: confidence files of another filter run?");
        }
        var rows = pairs.Select(p => p.Row).ToArray();
        var truth = pairs.All(p => p.Truth is not null) ? pairs.Select(p => PairSet.LabelIsTrue(p.Label0, p.Label1, p.Truth!)).ToArray() : null;
        return (ConfidenceFiles.Table(z, rows, folder), rows, truth);
    }

    /// <summary>
    /// Fits the thresholds and writes the merged outputs: z CSVs, the official summary and pseudo-labels (the clean
    /// training pairs as +1, as train writes them), thresholds.csv. Pairs the --past-labels files label count as z = 0.
    /// </summary>
    static void Fit(Settings settings, ConfidenceTable zTest, ConfidenceTable zUnlabeled, long[] unlabeledRows, bool[]? humanIsTrue,
        ConfidenceTable? zClean, IReadOnlyList<long> cleanRows)
    {
        var before = PastLabelled(settings, unlabeledRows);
        Demote(zUnlabeled, before);
        // The official selection ranks last every pair a past file lists — the clean pairs too (train writes them as +1).
        if (zClean is not null && settings.Population == ThresholdPopulation.Official) Demote(zClean, PastLabelled(settings, [.. cleanRows]));
        var thresholds = ThresholdSchedule.Fit(settings.ToThresholdConfig(), zTest, zUnlabeled, humanIsTrue, zClean, before);
        var labels = PseudoLabeler.Label(zUnlabeled, thresholds);
        Directory.CreateDirectory(settings.Out);
        WriteZ(Path.Combine(settings.Out, "z-test.csv"), zTest);
        WriteZ(Path.Combine(settings.Out, "z-unlabeled.csv"), zUnlabeled);
        ConfidenceSummary.Write(settings.Out, ConfidenceSummary.Summarize(zTest));
        PseudoLabelFile.Write(Path.Combine(settings.Out, "pseudo_labels.json"), unlabeledRows, labels, ListedClean(settings, cleanRows));
        var frame = ThresholdTable.ToFrame(thresholds);
        SemiDpo.Analysis.TableFiles.SaveCsv(frame, Path.Combine(settings.Out, "thresholds.csv"));
        Tables.Print(frame, "thresholds per timestep interval (Table 7 analogue)", true, "percentile", "tau");
        AnsiConsole.MarkupLine($"pseudo-labelled: {labels.PairsAccepted:N0} of {zUnlabeled.Pairs:N0} unlabeled pairs ({labels.SlotsAccepted:N0} pair-intervals); wrote {Markup.Escape(settings.Out)}");
    }

    /// <summary>The clean pairs pseudo_labels.json lists: --clean-idx's (each a clean training pair), or all of them.</summary>
    static IEnumerable<long> ListedClean(Settings settings, IReadOnlyList<long> cleanRows)
    {
        if (settings.CleanIdx is not { } path) return cleanRows;
        var listed = ConsensusIndexFiles.ReadCleanIdx(path);
        var clean = cleanRows.ToHashSet();
        if (listed.FirstOrDefault(i => !clean.Contains(i), -1) is var stray and >= 0)
            throw new ArgumentException($"--clean-idx {path}: idx {stray} is not a clean training pair of the filter.");
        return listed;
    }

    /// <summary>z = 0 at every interval for the pairs <paramref name="listed"/> marks: ranked last, never accepted.</summary>
    static void Demote(ConfidenceTable z, bool[] listed)
    {
        for (var i = 0; i < z.Pairs; i++)
            if (listed[i])
                for (var j = 0; j < TimestepIntervals.Count; j++)
                    z.Z[i, j] = 0;
    }

    static bool AllScored(Settings settings) => settings.Population is ThresholdPopulation.AllScored or ThresholdPopulation.Official;

    /// <summary>The folders a run's confidence files go to: test/, unlabeled/ and, for the official population, clean/.</summary>
    static string[] Sets(PairSet? clean) => clean is null ? ["test", "unlabeled"] : ["test", "unlabeled", "clean"];

    /// <summary>Per pair of <paramref name="rows"/>, whether one of the --past-labels files labels it (at any interval).</summary>
    static bool[] PastLabelled(Settings settings, long[] rows)
    {
        var before = new bool[rows.Length];
        foreach (var file in (settings.PastLabels ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var labels = PseudoLabelFile.Read(file, rows);
            for (var i = 0; i < before.Length; i++) before[i] |= labels.Accepted[i] != 0;
        }
        return before;
    }

    /// <summary>z of the pairs this shard owns, into its test/, unlabeled/ (and clean/) confidence files.</summary>
    static void ScoreShard(string folder, Shard shard, IDiffusionModel model, IDiffusionModel reference, PairSet test, PairSet unlabeled, PairSet? clean,
        ConfidenceScorer scorer, CancellationToken cancellation)
    {
        var sets = Sets(clean).Zip(new[] { test, unlabeled, clean }.OfType<PairSet>(), (name, pairs) => (Name: name, Pairs: pairs, Owned: Owned(pairs, shard, scorer.BatchSize))).ToList();
        AnsiConsole.MarkupLine($"shard {shard.Rank} of {shard.WorldSize}: {string.Join(", ", sets.Select(s => $"{s.Owned.Length:N0} {Description(s.Name)}"))} pairs");
        var z = new ConfidenceTable[sets.Count];
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()).Start(ctx =>
        {
            var tasks = sets.Select(s => ctx.AddTask($"{Description(s.Name)} pairs", maxValue: s.Owned.Length)).ToList();
            for (var k = 0; k < sets.Count; k++)
            {
                var task = tasks[k];
                z[k] = scorer.Score(model, reference, sets[k].Pairs, new InlineProgress<(int Done, int Total)>(p => task.Value = p.Done), cancellation, sets[k].Owned);
            }
        });
        for (var k = 0; k < sets.Count; k++) WriteShard(Path.Combine(folder, sets[k].Name), shard, sets[k].Pairs.Rows, z[k], sets[k].Owned);
    }

    static string Description(string set) => set switch { "test" => "clean test", "clean" => "clean training", _ => set };

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
            Model = RunClaim.Stamp(settings.Model), Reference = RunClaim.Stamp(settings.Reference ?? BaseModelFile.DefaultPath), settings.Resolution, Filter = new[] { files.CleanTest, files.Noisy }.Select(RunClaim.Stamp),
            settings.Beta, settings.NoiseDraws, settings.UnlabeledSample, shard.WorldSize, TestPairs = testPairs, UnlabeledPairs = unlabeledPairs,
        });
        RunClaim.Check(Path.Combine(settings.Out, "run.json"), run, "confidence shards");
    }

    static void WriteZ(string path, ConfidenceTable z) =>
        CsvFile.Write(path, [.. Enumerable.Range(0, TimestepIntervals.Count).Select(j => $"z_t{TimestepIntervals.Anchor(j)}").Prepend("pair")],
            Enumerable.Range(0, z.Pairs).Select(i => Enumerable.Range(0, TimestepIntervals.Count).Select(j => (object?)z.Z[i, j]).Prepend(i)));
}
