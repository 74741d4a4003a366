using System.ComponentModel;
using SemiDpo.IO;
using SemiDpo.Rewards;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo latents</c>: encodes every image of the Stage-2 sets once through a Stable Diffusion VAE into a latent
/// cache beside them (<see cref="LatentCache"/>), which <c>train --model</c> then reads instead of the images;
/// resumable, one shard of the chunks per process; the process that finds every chunk present writes index.json.
/// </summary>
public sealed class LatentsCommand : AsyncCommand<LatentsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--filter <DIR>"), Description("Folder written by `semidpo filter`; the cache goes to its latents/ folder.")]
        public string Filter { get; init; } = Path.Combine("data", "cache", "filter");

        [CommandOption("--model <DIR>"), Description("The diffusers Stable Diffusion folder whose VAE encodes (required).")]
        public string? Model { get; init; }

        [CommandOption("--resolution <PX>"), Description("Image side the pairs are resized (shorter side) and centre-cropped to (default: the model's, 512 for SD1.5).")]
        public int? Resolution { get; init; }

        [CommandOption("--chunk <N>"), Description("Pairs per cache file (the unit of resuming and of sharding).")]
        public int Chunk { get; init; } = LatentCache.DefaultChunkPairs;

        [CommandOption("--batch <N>"), Description("Images per VAE forward.")]
        public int Batch { get; init; } = 8;

        [CommandOption("--rank <N>"), Description("This process's shard: chunks with chunk mod world-size = rank (default: SLURM_ARRAY_TASK_ID or RANK, else 0).")]
        public int? Rank { get; init; }

        [CommandOption("--world-size <N>"), Description("Number of shards (default: SLURM_ARRAY_TASK_COUNT or WORLD_SIZE, else 1).")]
        public int? WorldSize { get; init; }

        [CommandOption("--hflip"), Description("Also encode each pair's images mirrored left–right (twice the time and the cache), so that `train --hflip` (Diffusion-DPO's flip augmentation) trains from the cache instead of encoding images every step.")]
        public bool HorizontalFlip { get; init; }

        [CommandOption("--device <DEVICE>"), Description("cpu, cuda or cuda:N (default: cuda when available).")]
        public string? Device { get; init; }

        public override ValidationResult Validate()
        {
            if (Model is null) return ValidationResult.Error("--model is required: the diffusers Stable Diffusion folder whose VAE encodes.");
            if (Batch < 1 || Chunk < 1) return ValidationResult.Error("--batch and --chunk must be at least 1.");
            if (Resolution is < 8) return ValidationResult.Error("--resolution must be at least 8.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var shard = Shard.Resolve(settings.Rank, settings.WorldSize);
        var files = new ConsensusFiles(settings.Filter);
        using var outputLock = OutputLock.AcquireFile(Path.Combine(LatentCache.Folder(files), shard.FileName("encode", "")));
        TorchRuntime.Init();
        using var model = StableDiffusionModel.Load(settings.Model!, TorchDevice.Default(settings.Device));
        var resolution = settings.Resolution ?? model.DefaultImageSize;
        var written = 0;
        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask($"shard {shard.Rank} of {shard.WorldSize}: chunks of {settings.Chunk} pairs at {resolution}²{(settings.HorizontalFlip ? ", mirrored too" : "")}");
                written = await LatentCache.EncodeAsync(model, files, resolution, shard, settings.Batch, settings.Chunk, settings.HorizontalFlip,
                    new Progress<(int Done, int Total)>(p => (task.MaxValue, task.Value) = (Math.Max(1, p.Total), p.Done)), cancellation);
                task.Value = task.MaxValue;
            });
        AnsiConsole.MarkupLine(Markup.Escape($"shard {shard.Rank}: wrote {written} chunk(s) to {LatentCache.Folder(files)}"));
        try
        {
            var index = await LatentCache.CompleteAsync(model, files, resolution, settings.Chunk, settings.HorizontalFlip, cancellation);
            AnsiConsole.MarkupLine(Markup.Escape($"cache complete: {string.Join(", ", index.Pairs.Select(p => $"{p.Value:N0} {p.Key}"))} pairs; index.json written"));
        }
        catch (InvalidDataException e)
        {
            AnsiConsole.MarkupLine(Markup.Escape($"cache not complete yet ({e.Message}); the last shard to finish writes index.json"));
        }
        return 0;
    }
}
