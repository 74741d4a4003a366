using System.ComponentModel;
using System.Diagnostics;
using SemiDpo.Analysis;
using SemiDpo.Cli.Common;
using SemiDpo.Data;
using SemiDpo.Diffusion;
using SemiDpo.IO;
using SemiDpo.Rewards;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using SemiDpo.World;
using SemiDpo.World.Judges;
using SemiDpo.World.Model;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo eval</c>: samples one image per held-out prompt from each model (fixed seed per prompt) and scores them
/// with the oracle and every judge, beside random noise and the world's generators. With <c>--prompt-file</c> it
/// evaluates Stable Diffusion folders on real prompts with the real judges instead (Tables 1–2 on real data: judge
/// means, and each model's win rate against the first), shardable across processes (<c>--rank/--world-size</c> with
/// <c>--shards DIR</c>): each shard samples and scores whole sampling batches of prompts into its own file, and the
/// process that finds every shard present prints and writes the table.
/// </summary>
public sealed class EvalCommand : Command<EvalCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <FILE>"), Description("Checkpoint to evaluate (repeatable; default: the base model).")]
        public string[] Models { get; init; } = [];

        [CommandOption("--prompts <N>"), Description("Held-out prompts (one image each).")]
        public int Prompts { get; init; } = 200;

        [CommandOption("--steps <N>"), Description("Sampling steps (default 50, as the official evaluate.py).")]
        public int Steps { get; init; } = new SamplerConfig().Steps;

        [CommandOption("--guidance <W>"), Description("Classifier-free guidance scale (default: 3 for the world; 7.5 for Stable Diffusion, diffusers' pipeline default that the official evaluate.py uses).")]
        public double? Guidance { get; init; }

        [CommandOption("--scheduler <KIND>"), Description("model: the sampler the diffusers folder's scheduler_config.json names (PNDM for SD1.5, as the official evaluate.py; the default for Stable Diffusion) | ddim (the world's sampler and default).")]
        public SamplerKind? Scheduler { get; init; }

        /// <summary>The world's sampling: DDIM at guidance 3 unless told otherwise.</summary>
        public SamplerConfig WorldSampler => new(Steps, Guidance ?? new SamplerConfig().GuidanceScale, Kind: Scheduler ?? SamplerKind.Ddim);

        /// <summary>The official evaluation protocol on diffusers folders: the folder's scheduler, 50 steps, guidance 7.5, a generator seeded 42 per prompt (<see cref="NoiseSeeding.PerPrompt"/>).</summary>
        public SamplerConfig StableDiffusionSampler => new(Steps, Guidance ?? 7.5, Kind: Scheduler ?? SamplerKind.Model);

        [CommandOption("--judges <DIR|SPEC>"), Description("World: the judge weights folder. Real prompts: clip=DIR,aesthetic=FILE,pickscore=DIR,hps=FILE,<name>=FILE.onnx (as semidpo score).")]
        public string Judges { get; init; } = Path.Combine("data", "judges");

        [CommandOption("--prompt-file <FILE>"), Description("Real evaluation prompts: a text file (one per line) or a parquet column (--column); --model then names diffusers folders.")]
        public string? PromptFile { get; init; }

        [CommandOption("--column <NAME>"), Description("Parquet column of --prompt-file.")]
        public string Column { get; init; } = "caption";

        [CommandOption("--size <PIXELS>"), Description("Stable Diffusion image side (default: the UNet's sample_size × the VAE's factor).")]
        public int? Size { get; init; }

        [CommandOption("--tokenizer <DIR>"), Description("CLIP tokenizer folder for judges shipped without one (PickScore, HPSv2).")]
        public string? Tokenizer { get; init; }

        [CommandOption("--judge-dtype <T>"), Description("dtype of the CLIP judges' towers: float32 | float16 | bfloat16 (default: float16 on CUDA, as the official reward models; float32 on the CPU).")]
        public string? JudgeDType { get; init; }

        [CommandOption("--images <DIR>"), Description("Real prompts: also write each image as DIR/<model>/{i}-0.png with {i}-0.json ({\"prompt\": …, one score per judge}), i the prompt's index, as the official evaluate.py.")]
        public string? Images { get; init; }

        [CommandOption("--out <FILE>"), Description("CSV of the table (optional).")]
        public string? Out { get; init; }

        [CommandOption("--device <DEVICE>"), Description("cpu, cuda or cuda:N.")]
        public string? Device { get; init; }

        [CommandOption("--rank <N>"), Description("Real prompts: this process's shard, sampling batches with batch mod world-size = rank (default: SLURM_ARRAY_TASK_ID or RANK, else 0).")]
        public int? Rank { get; init; }

        [CommandOption("--world-size <N>"), Description("Real prompts: number of shards (default: SLURM_ARRAY_TASK_COUNT or WORLD_SIZE, else 1).")]
        public int? WorldSize { get; init; }

        [CommandOption("--shards <DIR>"), Description("Real prompts: folder for the shards' eval_rank{r:03d}.jsonl (per prompt, model and judge); needed with more than one shard.")]
        public string? Shards { get; init; }

        public override ValidationResult Validate() =>
            Prompts < 1 ? ValidationResult.Error("--prompts must be at least 1.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Init().ToString())}[/]");
        if (settings.PromptFile is not null) return EvaluateOnRealPrompts(settings, cancellation);
        var device = TorchDevice.Default(settings.Device);
        var prompts = SampleEvaluation.HeldOutPrompts(settings.Prompts);
        var judges = JudgePanel.Load(settings.Judges, device).Judges;
        var sets = new List<ImageSetScores> { SampleEvaluation.Score("random noise", prompts, SampleEvaluation.NoiseImages(prompts.Count), judges) };
        var models = settings.Models.Length == 0 ? [BaseModelFile.DefaultPath] : settings.Models;
        foreach (var path in models)
        {
            var clock = Stopwatch.StartNew();
            using var model = BaseModelFile.LoadAny(path, device);
            var images = model.Sample(prompts, settings.WorldSampler);
            sets.Add(SampleEvaluation.Score(Path.GetFileName(path), prompts, images, judges));
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(path)}: {prompts.Count} samples in {clock.Elapsed.TotalSeconds:F0} s[/]");
        }
        foreach (var generator in GeneratorProfile.Defaults)
            sets.Add(SampleEvaluation.Score($"generator {generator.Name}", prompts, SampleEvaluation.GeneratorImages(generator, prompts), judges));
        var frame = SampleEvaluation.ToFrame(sets);
        Tables.Print(frame, $"{prompts.Count} held-out prompts, one image each: oracle and judge means", fractionsAsPercent: false);
        if (settings.Out is not null) SemiDpo.Analysis.TableFiles.SaveCsv(frame, settings.Out);
        return 0;
    }

    /// <summary>Prompts per sampling batch on real prompts; shards own whole batches, so each image is drawn and scored in the batch it has in one process.</summary>
    const int RealBatch = 4;

    static int EvaluateOnRealPrompts(Settings settings, CancellationToken cancellation)
    {
        if (settings.Models.Length == 0) throw new ArgumentException("--prompt-file needs --model <diffusers folder> (repeatable; the first is the baseline of the win rates).");
        var shard = Shard.Resolve(settings.Rank, settings.WorldSize);
        if (shard.WorldSize > 1 && settings.Shards is null) throw new ArgumentException($"{shard.WorldSize} shards need --shards <DIR> for their files.");
        var device = TorchDevice.Default(settings.Device);
        var prompts = PromptFile.ReadAsync(settings.PromptFile!, settings.Column, cancellation).GetAwaiter().GetResult().Take(settings.Prompts).ToList();
        var judges = RealJudges.Load(settings.Judges, device, settings.Tokenizer, dtype: DTypeOption.Parse(settings.JudgeDType, "--judge-dtype"));
        var names = settings.Models.Select(folder => Path.GetFileName(Path.TrimEndingDirectorySeparator(folder))).ToList();
        if (names.Distinct().Count() < names.Count) names = [.. settings.Models];   // two folders of one name: tell them apart by path
        if (names.Distinct().Count() < names.Count) throw new ArgumentException("--model names the same folder twice.");
        var batches = shard.OwnedBatches(prompts.Count, RealBatch).ToList();
        var shardFile = shard.FileName("eval", ".jsonl");
        var rows = new List<PromptScore>();
        using var shardLock = settings.Shards is null ? null : OutputLock.AcquireFile(Path.Combine(settings.Shards, shardFile));
        if (settings.Shards is not null) ClaimRun(settings, shard, prompts.Count);
        foreach (var (folder, name) in settings.Models.Zip(names))
        {
            var clock = Stopwatch.StartNew();
            using var model = StableDiffusionModel.Load(folder, device);
            var size = settings.Size ?? model.DefaultImageSize;
            foreach (var range in batches)
            {
                cancellation.ThrowIfCancellationRequested();
                var first = range.Start.Value;
                var batch = prompts[range];
                var images = DiffusionSampling.SampleImages(model, batch, settings.StableDiffusionSampler, size, size, firstIndex: first, batchSize: RealBatch,
                    seeding: NoiseSeeding.PerPrompt);
                var scores = judges.Select(j => j.Score(batch, images)).ToList();
                var scored = batch.Select((_, k) => new PromptScore(name, first + k, judges.Select((j, i) => (j.Name, (double)scores[i][k])).ToDictionary())).ToList();
                if (settings.Images is { } imageFolder) OfficialEvalImages.Write(Path.Combine(imageFolder, OfficialEvalImages.FolderName(name)), batch, images, scored);
                rows.AddRange(scored);
            }
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(folder)}: {batches.Sum(r => r.End.Value - r.Start.Value)} samples at {size}² in {clock.Elapsed.TotalSeconds:F0} s (shard {shard.Rank} of {shard.WorldSize})[/]");
        }
        IReadOnlyList<ImageSetScores> sets;
        var metrics = judges.Select(j => j.Name).ToList();
        if (settings.Shards is null)
            sets = EvaluationShards.Merge(rows, names, prompts, metrics);
        else
        {
            EvaluationShards.Write(Path.Combine(settings.Shards, shardFile), rows);
            var present = shard.FilesPresent(settings.Shards, "eval", ".jsonl");
            if (present < shard.WorldSize)
            {
                AnsiConsole.MarkupLine($"{present} of {shard.WorldSize} shards present in {Markup.Escape(settings.Shards)}: the last shard to finish prints and writes the table.");
                return 0;
            }
            var files = Enumerable.Range(0, shard.WorldSize).Select(r => Path.Combine(settings.Shards, new Shard(r, shard.WorldSize).FileName("eval", ".jsonl")));
            sets = EvaluationShards.Merge(EvaluationShards.Read(files), names, prompts, metrics);
        }
        var frame = SampleEvaluation.ToFrame(sets);
        var sampler = settings.StableDiffusionSampler;
        Tables.Print(frame, $"{prompts.Count} prompts of {settings.PromptFile}, one image each ({(sampler.Kind == SamplerKind.Model ? "the folder's scheduler" : "DDIM")}, " +
            $"{sampler.Steps} steps, guidance {sampler.GuidanceScale}, seed {sampler.Seed} per prompt): judge means", fractionsAsPercent: false);
        foreach (var set in sets.Skip(1))
            AnsiConsole.MarkupLine($"win rate of {Markup.Escape(set.Name)} vs {Markup.Escape(sets[0].Name)}: " +
                string.Join(", ", judges.Select(j => $"{j.Name} {100 * WinRate.Of(set, sets[0], j.Name):F1} %")));
        if (settings.Out is not null) SemiDpo.Analysis.TableFiles.SaveCsv(frame, settings.Out);
        return 0;
    }

    /// <summary>Records what the shards of --shards evaluate in run.json, or refuses a folder that holds shards of another evaluation.</summary>
    static void ClaimRun(Settings settings, Shard shard, int prompts)
    {
        var run = System.Text.Json.JsonSerializer.Serialize(new
        {
            Models = settings.Models.Select(m => RunClaim.Stamp(Path.Combine(m, "unet"))), PromptFile = RunClaim.Stamp(settings.PromptFile!), settings.Column, Prompts = prompts,
            settings.Judges, Sampler = settings.StableDiffusionSampler, settings.Size, shard.WorldSize,
        });
        RunClaim.Check(Path.Combine(settings.Shards!, "run.json"), run, "evaluation shards");
    }
}
