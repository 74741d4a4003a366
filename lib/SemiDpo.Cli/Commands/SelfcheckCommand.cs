using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using SemiDpo.Cli.Common;
using SemiDpo.Diffusion;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo selfcheck sd15</c>: the whole real path on a Stable Diffusion 1.5-sized folder with random weights, each
/// step a <c>semidpo</c> process as a user runs it — write the folder, sample from it, a world's pairs through the
/// consensus filter, latents, then train (LoRA, and the full UNet) Iter0 → confidence and pseudo-labels → Iter1 with a
/// checkpoint every step, once uninterrupted and once killed with SIGKILL mid-Iter0 and resumed (the files must be
/// byte-identical), export, and sample from the export — printing each step's wall time and peak memory. The runs'
/// files are compared by SHA-256 and their checkpoints deleted once compared, so that full fine-tuning at SD1.5's size
/// needs one run's files on disk (≈ 25 GB), not two.
/// </summary>
public sealed class SelfcheckCommand : AsyncCommand<SelfcheckCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--out <DIR>"), Description("Working folder (the SD1.5-sized folder is 4.3 GB; a full fine-tuning run's checkpoints and export ≈ 25 GB, deleted once compared but the export).")]
        public string Out { get; init; } = Path.Combine("data", "cache", "selfcheck-sd15");

        [CommandOption("--size <SIZE>"), Description("sd15 (the real architectures: 860M-parameter UNet) | tiny (the same steps in about two minutes).")]
        public string Size { get; init; } = "sd15";

        [CommandOption("--resolution <PX>"), Description("Image side (64 = 8×8 latents).")]
        public int Resolution { get; init; } = 64;

        [CommandOption("--pairs <N>"), Description("Pairs in the world that is filtered.")]
        public int Pairs { get; init; } = 200;

        [CommandOption("--fine-tuning <WHICH>"), Description("lora | full | both: which trainings to run (full fine-tuning at SD1.5's size peaked at 21 GB of memory here with bfloat16 references, and writes 10 GB checkpoints).")]
        public string FineTuning { get; init; } = "both";

        /// <summary>The trainings to run: (name, --lora rank).</summary>
        public (string Name, string Lora)[]? Trainings => FineTuning switch
        {
            "lora" => [("LoRA", "4")],
            "full" => [("full UNet", "0")],
            "both" => [("LoRA", "4"), ("full UNet", "0")],
            _ => null,
        };

        [CommandOption("--reference-dtype <T>"), Description("train's --reference-dtype: bfloat16 | float16 | float32 (float32 references take 3.4 GB more at SD1.5's size: full fine-tuning then no longer fits 24 GB; libtorch's CPU float16 is slow).")]
        public string ReferenceDType { get; init; } = "bfloat16";

        public RandomFolderSize? FolderSize => Size switch { "sd15" => RandomFolderSize.Sd15, "tiny" => RandomFolderSize.Tiny, _ => null };

        public override ValidationResult Validate() =>
            FolderSize is null ? ValidationResult.Error($"--size: '{Size}' is not sd15 or tiny.")
            : Trainings is null ? ValidationResult.Error($"--fine-tuning: '{FineTuning}' is not lora, full or both.")
            : Resolution < 16 || Resolution % 8 != 0 ? ValidationResult.Error("--resolution is a multiple of 8, at least 16.")
            : DTypeOption.Named(ReferenceDType) is null ? ValidationResult.Error($"--reference-dtype: '{ReferenceDType}' is not {DTypeOption.Choices}.")
            : Pairs < 100 ? ValidationResult.Error("--pairs: at least 100, so that the filter leaves clean training and test pairs.")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var folder = Path.GetFullPath(settings.Out);
        string In(string name) => Path.Combine(folder, name);
        var sd = In("stable-diffusion");
        var table = new Table().AddColumns("step", "wall time", "peak memory");
        void Row(string step, double seconds, long peakMb) =>
            table.AddRow(Markup.Escape(step), $"{seconds:F1} s", peakMb > 0 ? $"{peakMb:N0} MB" : "–");
        async Task Step(string step, string[] args, Func<bool>? killWhen = null)
        {
            AnsiConsole.MarkupLine(Markup.Escape($"{step}: semidpo {string.Join(" ", args)}"));
            var (_, seconds, peak) = await SelfProcess.RunMeasuredAsync(args, killWhen, cancellation,
                echo: line => AnsiConsole.MarkupLine($"[grey]  {Markup.Escape(line)}[/]"));
            Row(step, seconds, peak);
            AnsiConsole.MarkupLine(Markup.Escape($"  → {step}: {seconds:F1} s, peak {peak:N0} MB"));   // the table comes at the end
        }

        var clock = Stopwatch.StartNew();
        RandomDiffusersFolder.Write(sd, settings.FolderSize!.Value);
        MallocDefaults.Release();   // the freed random weights (3 GB at SD1.5's size) go back to the system, not beside each step's process
        Row($"write a random {settings.Size} diffusers folder ({DirectoryBytes(sd) / 1e9:F2} GB)", clock.Elapsed.TotalSeconds, 0);
        var size = settings.Resolution.ToString(CultureInfo.InvariantCulture);
        var prompt = "two red circles on a blue background";
        await Step("load the folder and sample", ["sample", "--model", sd, "--prompt", prompt, "--size", size, "--steps", "2", "-n", "1", "--out", In("base.png")]);
        await Step("world pairs", ["world", "build", "--out", In("world"), "--pairs", settings.Pairs.ToString(CultureInfo.InvariantCulture), "--seed", "3"]);
        await Step("consensus filter", ["filter", "--in", In("world"), "--test-fraction", "0.3", "--out", In("filter")]);
        await Step("latents", ["latents", "--filter", In("filter"), "--model", sd, "--resolution", size, "--chunk", "16"]);

        string[] files = ["iter0.ckpt", "iter1.ckpt", "train-log.csv", "official/iter1/pseudo_labels.json", "final/unet/diffusion_pytorch_model.safetensors"];
        foreach (var (name, lora) in settings.Trainings!)
        {
            var key = lora == "0" ? "full" : "lora";
            string[] Train(string output) => ["train", "--filter", In("filter"), "--model", sd, "--lora", lora, "--resolution", size,
                "--iterations", "2", "--steps0", "2", "--steps", "1", "--batch", "2", "--micro-batch", "1", "--lr0", "1e-6", "--lr", "1e-7",
                "--checkpoint-every", "1", "--unlabeled-sample", "8", "--threshold", "fixed", "--percentile", "50", "--reference-dtype", settings.ReferenceDType, "--out", output, "--export", Path.Combine(output, "final")];
            var (whole, killed) = (In($"{key}-whole"), In($"{key}-killed"));
            foreach (var run in new[] { whole, killed }.Where(Directory.Exists)) Directory.Delete(run, recursive: true);   // an earlier check's: start afresh
            await Step($"train {name}: Iter0 → pseudo-labels → Iter1, export", Train(whole));
            var uninterrupted = files.Select(f => Sha256(Path.Combine(whole, f))).ToList();
            DeleteCheckpoints(whole);
            var checkpoint = Path.Combine(killed, "iter0.ckpt");
            await Step($"train {name}, killed after Iter0's first checkpoint", Train(killed),
                () => File.Exists(checkpoint) && Checkpoint.ReadHeader(checkpoint).Step >= 1);
            await Step($"train {name}, resumed", Train(killed));
            var differ = files.Where((f, i) => Sha256(Path.Combine(killed, f)) != uninterrupted[i]).ToList();
            if (differ.Count > 0) throw new InvalidDataException($"{name}: after kill -9 and resume, {string.Join(", ", differ)} differ from the uninterrupted run's.");
            Directory.Delete(killed, recursive: true);
            table.AddRow(Markup.Escape($"{name}: killed and resumed = uninterrupted"), "[green]byte-identical (SHA-256)[/]", Markup.Escape(string.Join(", ", files)));
            await Step($"reload the {name} export and sample", ["sample", "--model", Path.Combine(whole, "final"), "--prompt", prompt, "--size", size, "--steps", "2", "-n", "1",
                "--out", In($"{key}-export.png")]);
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape($"the real path ran on the {settings.Size} architectures at {size}² in {clock.Elapsed.TotalMinutes:F1} min; files in {folder}"));
        return 0;
    }

    /// <summary>A file's SHA-256, read as a stream (an exported SD1.5 UNet is 3.4 GB, a checkpoint 10.3 GB: no whole-file arrays).</summary>
    static string Sha256(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file));
    }

    /// <summary>Deletes a compared run's checkpoints (10.3 GB each for full fine-tuning at SD1.5's size); its export stays for sampling.</summary>
    static void DeleteCheckpoints(string run)
    {
        foreach (var checkpoint in Directory.GetFiles(run, "*.ckpt")) File.Delete(checkpoint);
    }

    static long DirectoryBytes(string folder) => Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
}
