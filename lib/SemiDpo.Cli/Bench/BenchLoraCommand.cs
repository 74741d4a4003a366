using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SemiDpo.Cli.Common;
using SemiDpo.Pretrained;
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Bench;

/// <summary>
/// <c>semidpo bench lora</c>: one Diffusion-DPO step of the SD-shaped UNet of <c>bench sd-step</c> trained in full
/// (policy + a frozen copy as reference) and through LoRA (adapters only; reference = the same UNet with adapters
/// off), each in its own child process so that peak memory is that variant's, in alternating rounds: trained
/// parameters, peak memory, step time and the LoRA / full step-time ratio.
/// </summary>
public sealed class BenchLoraCommand : AsyncCommand<BenchLoraCommand.Settings>
{
    public sealed class Settings : SdStepBench.Settings
    {
        [CommandOption("--rank <R>"), Description("LoRA rank (alpha = rank, as diffusers' DPO example).")]
        public int Rank { get; init; } = new LoraConfig().Rank;

        [CommandOption("--variant <full|lora>"), Description("Run one variant in this process and print its JSON line (what the rounds' child processes do).")]
        public string? Variant { get; init; }

        public override ValidationResult Validate()
        {
            if (Rank < 1) return ValidationResult.Error("--rank must be ≥ 1.");
            if (Variant is not (null or "full" or "lora")) return ValidationResult.Error("--variant is full or lora.");
            return base.Validate();
        }
    }

    sealed record Measurement(double StepMs, long TrainedParameters, long PeakMb);

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        if (settings.Variant is { } only)
        {
            Console.WriteLine(JsonSerializer.Serialize(Measure(settings, only == "lora")));
            return 0;
        }
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(TorchRuntime.Init().ToString())}[/]");
        var runs = new Dictionary<string, List<Measurement>> { ["full"] = [], ["lora"] = [] };
        var ratios = new List<double>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            cancellation.ThrowIfCancellationRequested();
            foreach (var variant in new[] { "full", "lora" }) runs[variant].Add(await Child(settings, variant, cancellation));
            ratios.Add(runs["lora"][^1].StepMs / runs["full"][^1].StepMs);
            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[grey]round {round + 1}: full {runs["full"][^1].StepMs:F0} ms, LoRA {runs["lora"][^1].StepMs:F0} ms[/]"));
        }
        var table = new Table().AddColumns("", "full fine-tuning", $"LoRA r = {settings.Rank}");
        string Median(string variant, Func<Measurement, double> value, string format) =>
            PeerBench.Median(runs[variant].Select(value).ToList()).ToString(format, CultureInfo.InvariantCulture);
        table.AddRow("trained parameters", $"{runs["full"][0].TrainedParameters:N0}", $"{runs["lora"][0].TrainedParameters:N0}");
        table.AddRow("peak memory (VmHWM, median)", Median("full", m => m.PeakMb, "N0") + " MB", Median("lora", m => m.PeakMb, "N0") + " MB");
        table.AddRow("step (median of round medians)", Median("full", m => m.StepMs, "F0") + " ms", Median("lora", m => m.StepMs, "F0") + " ms");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"step-time ratio LoRA / full = [bold]{PeerBench.Median(ratios):F2}[/] (median of {settings.Rounds} per-round ratios, min {ratios.Min():F2}, max {ratios.Max():F2}; " +
            $"the SD-shaped UNet of bench sd-step (64/128/128 channels), batch {settings.Batch} pairs, {settings.Latent}² latents)"));
        return 0;
    }

    static async Task<Measurement> Child(Settings settings, string variant, CancellationToken cancellation)
    {
        var output = await SelfProcess.RunAsync(["bench", "lora", "--variant", variant, "--rank", $"{settings.Rank}", "--batch", $"{settings.Batch}",
            "--latent", $"{settings.Latent}", "--steps", $"{settings.Steps}"], cancellation);
        return JsonSerializer.Deserialize<Measurement>(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1])!;
    }

    static Measurement Measure(Settings settings, bool lora)
    {
        TorchRuntime.Init();
        var config = UNet2DConditionConfig.From(ConfigFile.Parse(SdStepBench.DefaultConfig, "bench config"));
        var (round, trained) = SdStepBench.Measure(config, settings, lora ? new LoraConfig(settings.Rank, settings.Rank) : null);
        return new Measurement(round.Step, trained, Process.GetCurrentProcess().PeakWorkingSet64 >> 20);
    }
}
