using System.ComponentModel;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World.Model;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace SemiDpo.Cli.Bench;

/// <summary>
/// <c>semidpo bench dpo-step</c>: one Diffusion-DPO training step of the base-size TinyUNet (policy + reference
/// forwards on winners and losers, backward, clip, AdamW) here and in the PyTorch peer (bench/dpo_step.py), same batch
/// and threads, alternating rounds (A B A B) to even out machine noise; prints the median per-round step-time ratio
/// with its spread, and peak memory.
/// </summary>
public sealed class BenchDpoStepCommand : Command<BenchDpoStepCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--batch <N>"), Description("Pairs per step.")]
        public int Batch { get; init; } = 16;

        [CommandOption("--steps <N>"), Description("Timed steps per round (after 3 warm-up steps).")]
        public int Steps { get; init; } = 10;

        [CommandOption("--rounds <N>"), Description("Alternating rounds of each side (the ratio is the median of the per-round ratios).")]
        public int Rounds { get; init; } = 5;

        [CommandOption("--peer <SCRIPT>"), Description("The PyTorch peer script.")]
        public string Peer { get; init; } = Path.Combine("bench", "dpo_step.py");

        [CommandOption("--python <EXE>"), Description("Python with torch (Debian: /usr/bin/python3 with python3-torch).")]
        public string Python { get; init; } = "/usr/bin/python3";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var report = TorchRuntime.Init();
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(report.ToString())}[/]");
        string[] peerArguments = [settings.Peer, "--batch", $"{settings.Batch}", "--steps", $"{settings.Steps}", "--threads", $"{report.Threads}"];
        if (!File.Exists(settings.Peer))
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(settings.Peer)} not found: run from the repository root.[/]");
            return 1;
        }
        return PeerBench.Compare(settings.Rounds, () => MeasureOurs(settings),
            () => PeerBench.RunPeer(settings.Python, peerArguments, "Install the peer with bench/dpo-step.sh (apt-get install python3-torch)."),
            $"batch {settings.Batch} pairs, {report.Threads} threads, TinyUNet {BaseModelFile.Config.Channels} channels");
    }

    /// <summary>Median step time and the median of each phase (the same phases as the peer reports).</summary>
    static PeerBench.Round MeasureOurs(Settings settings)
    {
        Seeding.Everything(0);
        using var reference = new DiffusionModel(BaseModelFile.Config, CPU);
        using var policy = reference.Copy();
        reference.UNet.eval();
        var parameters = policy.UNet.parameters().ToList();
        using var optimizer = new AdamW(parameters, 1e-5, weightDecay: 1e-2);
        var b = settings.Batch;
        using var w = rand(b, 3, 32, 32) * 2 - 1;
        using var l = rand(b, 3, 32, 32) * 2 - 1;
        using var tokens = randint(2, policy.Tokenizer.VocabularySize, [b, 12]);
        return DpoStepTiming.Time(settings.Steps, w, l, tokens, policy.PredictNoise, reference.PredictNoise, parameters, optimizer);
    }
}
