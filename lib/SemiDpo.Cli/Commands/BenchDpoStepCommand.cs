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
        var ours = new List<(double Step, double[] Phases)>();
        var peer = new List<(double Step, double[] Phases)>();
        var peerLabel = "";
        double peerRss = 0;
        for (var round = 0; round < settings.Rounds; round++)
        {
            ours.Add(MeasureOurs(settings));
            var result = RunPeer(settings, threads);
            if (result is null) return 1;
            var peerPhases = result.Value.GetProperty("phases_ms");
            peer.Add((result.Value.GetProperty("median_ms").GetDouble(), PhaseNames.Select(n => peerPhases.GetProperty(n).GetDouble()).ToArray()));
            peerLabel = result.Value.GetProperty("peer").GetString() ?? "PyTorch";
            peerRss = Math.Max(peerRss, result.Value.GetProperty("peak_rss_mb").GetDouble());
            AnsiConsole.MarkupLine($"round {round + 1}: TorchSharp {ours[^1].Step:F0} ms, {Markup.Escape(peerLabel)} {peer[^1].Step:F0} ms (median step)");
        }
        var bestOurs = ours.MinBy(r => r.Step);
        var bestPeer = peer.MinBy(r => r.Step);
        var (a, b) = (bestOurs.Step, bestPeer.Step);
        var table = new Table().AddColumns("", "TorchSharp (this toolkit)", Markup.Escape(peerLabel), "ratio");
        for (var p = 0; p < PhaseNames.Length; p++)
            table.AddRow(PhaseNames[p], $"{bestOurs.Phases[p]:F0} ms", $"{bestPeer.Phases[p]:F0} ms", $"{bestOurs.Phases[p] / bestPeer.Phases[p]:F2}");
        table.AddRow("[bold]step (best round median)[/]", $"{a:F0} ms", $"{b:F0} ms", $"{a / b:F2}");
        table.AddRow("peak memory (VmHWM)", $"{Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MB (whole .NET process)", $"{peerRss:F0} MB", "");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio TorchSharp / PyTorch = [bold]{a / b:F2}[/] (batch {settings.Batch} pairs, {threads} threads, UNet {BaseModelFile.Config.Channels} channels)"));
        return 0;
    }

    static readonly string[] PhaseNames = ["policy forward", "reference forward", "backward", "clip + AdamW"];

    /// <summary>Median step time and the median of each phase (the same phases as the peer reports).</summary>
    static (double Step, double[] Phases) MeasureOurs(Settings settings)
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
        var steps = new List<double>();
        var phases = PhaseNames.Select(_ => new List<double>()).ToArray();
        for (var step = 0; step < 3 + settings.Steps; step++)
        {
            var clock = Stopwatch.StartNew();
            var marks = new List<double>();
            using (NewDisposeScope())
            {
                var t = randint(0, 1000, [b]);
                var noise = randn(b, 3, 32, 32);
                var (eps, tt, tok) = (cat([noise, noise], 0), cat([t, t], 0), cat([tokens, tokens], 0));
                var xt = policy.Schedule.QSample(cat([w, l], 0), eps, tt);
                marks.Add(clock.Elapsed.TotalMilliseconds);
                var policyError = DiffusionDpoLoss.Errors(policy, xt, tt, tok, eps);
                marks.Add(clock.Elapsed.TotalMilliseconds);
                Tensor referenceError;
                using (no_grad()) referenceError = DiffusionDpoLoss.Errors(reference, xt, tt, tok, eps);
                marks.Add(clock.Elapsed.TotalMilliseconds);
                nn.functional.softplus(-loss.Logit(policyError, referenceError)).mean().backward();
                marks.Add(clock.Elapsed.TotalMilliseconds);
                OptimizerStep.Apply(optimizer, parameters, 1e-5, 1.0, "bench");
                marks.Add(clock.Elapsed.TotalMilliseconds);
            }
            if (step < 3) continue;
            steps.Add(clock.Elapsed.TotalMilliseconds);
            for (var p = 0; p < PhaseNames.Length; p++) phases[p].Add(marks[p + 1] - marks[p]);
        }
        return (Median(steps), phases.Select(Median).ToArray());
    }

    static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
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
