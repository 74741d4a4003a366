using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SemiDpo.Alignment;
using SemiDpo.Diffusion;
using SemiDpo.Torch;
using SemiDpo.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace SemiDpo.Cli.Commands;

/// <summary>
/// <c>semidpo bench dpo-step</c>: one Diffusion-DPO training step of the base-size TinyUNet (policy + reference
/// forwards on winners and losers, backward, clip, AdamW) here and in the PyTorch peer (bench/dpo_step.py), same batch
/// and threads, alternating rounds (A B A B) to even out machine noise; prints the step-time ratio and peak memory.
/// </summary>
public sealed class BenchDpoStepCommand : Command<BenchDpoStepCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--batch <N>"), Description("Pairs per step.")]
        public int Batch { get; init; } = 16;

        [CommandOption("--steps <N>"), Description("Timed steps per round (after 3 warm-up steps).")]
        public int Steps { get; init; } = 10;

        [CommandOption("--rounds <N>"), Description("Alternating rounds of each side.")]
        public int Rounds { get; init; } = 2;

        [CommandOption("--peer <SCRIPT>"), Description("The PyTorch peer script.")]
        public string Peer { get; init; } = Path.Combine("bench", "dpo_step.py");

        [CommandOption("--python <EXE>"), Description("Python with torch (Debian: /usr/bin/python3 with python3-torch).")]
        public string Python { get; init; } = "/usr/bin/python3";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var report = TorchRuntime.Init();
        var threads = report.Threads;
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(report.ToString())}[/]");
        var ours = new List<double>();
        var peer = new List<double>();
        var peerLabel = "";
        double peerRss = 0;
        for (var round = 0; round < settings.Rounds; round++)
        {
            ours.Add(MeasureOurs(settings));
            var result = RunPeer(settings, threads);
            if (result is null) return 1;
            peer.Add(result.Value.GetProperty("median_ms").GetDouble());
            peerLabel = result.Value.GetProperty("peer").GetString() ?? "PyTorch";
            peerRss = Math.Max(peerRss, result.Value.GetProperty("peak_rss_mb").GetDouble());
            AnsiConsole.MarkupLine($"round {round + 1}: TorchSharp {ours[^1]:F0} ms, {Markup.Escape(peerLabel)} {peer[^1]:F0} ms (median step)");
        }
        var (a, b) = (ours.Min(), peer.Min());
        var table = new Table().AddColumns("", "step (best round median)", "peak memory");
        table.AddRow("TorchSharp (this toolkit)", $"{a:F0} ms", $"{Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MB (whole .NET process)");
        table.AddRow(Markup.Escape(peerLabel), $"{b:F0} ms", $"{peerRss:F0} MB (max RSS)");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio TorchSharp / PyTorch = [bold]{a / b:F2}[/] (batch {settings.Batch} pairs, {threads} threads, UNet {BaseModelFile.Config.Channels} channels)"));
        return 0;
    }

    static double MeasureOurs(Settings settings)
    {
        Seeding.Everything(0);
        using var reference = new DiffusionModel(BaseModelFile.Config, CPU);
        using var policy = reference.Copy();
        reference.UNet.eval();
        var parameters = policy.UNet.parameters().ToList();
        using var optimizer = optim.AdamW(parameters, 1e-5, weight_decay: 1e-2);
        var loss = new DiffusionDpoLoss();
        var b = settings.Batch;
        using var w = rand(b, 3, 32, 32) * 2 - 1;
        using var l = rand(b, 3, 32, 32) * 2 - 1;
        using var tokens = randint(2, policy.Tokenizer.VocabularySize, [b, 12]);
        var times = new List<double>();
        for (var step = 0; step < 3 + settings.Steps; step++)
        {
            var clock = Stopwatch.StartNew();
            using (NewDisposeScope())
            {
                var output = loss.Compute(policy, reference, w, l, tokens, randint(0, 1000, [b]), randn(b, 3, 32, 32));
                output.Loss.backward();
                OptimizerStep.Apply(optimizer, parameters, 1e-5, 1.0, "bench");
            }
            if (step >= 3) times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    static JsonElement? RunPeer(Settings settings, int threads)
    {
        if (!File.Exists(settings.Peer))
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(settings.Peer)} not found: run from the repository root.[/]");
            return null;
        }
        var start = new ProcessStartInfo(settings.Python)
        {
            ArgumentList = { settings.Peer, "--batch", $"{settings.Batch}", "--steps", $"{settings.Steps}", "--threads", $"{threads}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
            if (process.ExitCode != 0 || line is null)
            {
                AnsiConsole.MarkupLine($"[red]the PyTorch peer failed (exit {process.ExitCode}): {Markup.Escape(error.Trim())}[/]");
                AnsiConsole.MarkupLine("Install it with bench/dpo-step.sh (apt-get install python3-torch).");
                return null;
            }
            return JsonDocument.Parse(line).RootElement.Clone();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            AnsiConsole.MarkupLine($"[red]cannot start {Markup.Escape(settings.Python)}: {Markup.Escape(e.Message)}; run bench/dpo-step.sh, which installs python3-torch.[/]");
            return null;
        }
    }
}
