using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SemiDpo.Torch;
using Spectre.Console;
using static TorchSharp.torch;

namespace SemiDpo.Cli.Bench;

/// <summary>
/// A training step timed here and in a PyTorch peer script, in alternating rounds (ours, peer, ours, peer, …) so that
/// machine noise hits both sides alike. Each round gives a median step time per side; the reported ratio is the
/// median over rounds of the per-round ratios, with its min–max.
/// </summary>
internal static class PeerBench
{
    /// <summary>The phases of a DPO training step, as both sides report them.</summary>
    public static readonly string[] DpoPhases = ["policy forward", "reference forward", "backward", "clip + AdamW"];
    const int Warmup = 3;

    /// <summary>One side's round: the median step and the median of each phase, in ms.</summary>
    public sealed record Round(double Step, double[] Phases);

    /// <summary>
    /// Runs <paramref name="step"/> warm-up + <paramref name="steps"/> times, each in its own dispose scope; the step
    /// calls the mark it is given after preparing its inputs and after each of its <paramref name="phaseCount"/> phases.
    /// </summary>
    public static Round Time(int steps, Action<Action> step, int phaseCount = 4)
    {
        var times = new List<double>();
        var phases = Enumerable.Range(0, phaseCount).Select(_ => new List<double>()).ToArray();
        for (var i = 0; i < Warmup + steps; i++)
        {
            var clock = Stopwatch.StartNew();
            var marks = new List<double>();
            using (NewDisposeScope()) step(() => marks.Add(clock.Elapsed.TotalMilliseconds));
            if (i < Warmup) continue;
            times.Add(clock.Elapsed.TotalMilliseconds);
            for (var p = 0; p < phaseCount; p++) phases[p].Add(marks[p + 1] - marks[p]);
        }
        return new Round(Median(times), phases.Select(Median).ToArray());
    }

    /// <summary>
    /// The peer's JSON line (median_ms, phases_ms, peak_rss_mb, peer), or null with the reason printed. The peer runs
    /// under the allocator and OpenMP settings this process uses (<see cref="MallocDefaults"/>, OMP_WAIT_POLICY), so
    /// that neither side pays page faults or spinning threads the other does not.
    /// </summary>
    public static JsonElement? RunPeer(string python, IEnumerable<string> arguments, string installHint)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in MallocDefaults.EnvironmentEquivalent()) start.Environment[name] = value;
        start.Environment[OpenMpDefaults.WaitPolicy] = Environment.GetEnvironmentVariable(OpenMpDefaults.WaitPolicy) ?? "PASSIVE";
        try
        {
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
            if (process.ExitCode == 0 && line is not null) return JsonDocument.Parse(line).RootElement.Clone();
            var lastError = error.Result.Trim().Split('\n').LastOrDefault() ?? "";
            AnsiConsole.MarkupLine($"[red]the PyTorch peer failed (exit {process.ExitCode}): {Markup.Escape(lastError)}[/]");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            AnsiConsole.MarkupLine($"[red]cannot start {Markup.Escape(python)}: {Markup.Escape(e.Message)}[/]");
        }
        AnsiConsole.MarkupLine(Markup.Escape(installHint));
        return null;
    }

    /// <summary>Alternates <paramref name="ours"/> and <paramref name="peer"/> for <paramref name="rounds"/> rounds and prints the comparison; exit code.</summary>
    public static int Compare(int rounds, Func<Round> ours, Func<JsonElement?> peer, string what, IReadOnlyList<string>? phaseNames = null)
    {
        var names = phaseNames ?? DpoPhases;
        var oursRounds = new List<Round>();
        var peerRounds = new List<Round>();
        var (peerLabel, peerSetup, peerRss) = ("PyTorch", "", 0.0);
        for (var round = 0; round < rounds; round++)
        {
            oursRounds.Add(ours());
            MallocDefaults.Release();   // the freed heap of our round, before the peer needs the memory
            if (peer() is not { } result) return 1;
            var phases = result.GetProperty("phases_ms");
            peerRounds.Add(new Round(result.GetProperty("median_ms").GetDouble(), names.Select(n => phases.GetProperty(n).GetDouble()).ToArray()));
            peerLabel = result.GetProperty("peer").GetString() ?? peerLabel;
            peerSetup = result.TryGetProperty("setup", out var setup) ? setup.GetString() ?? "" : "";
            peerRss = Math.Max(peerRss, result.GetProperty("peak_rss_mb").GetDouble());
            AnsiConsole.MarkupLine($"round {round + 1}: TorchSharp {oursRounds[^1].Step:F0} ms, {Markup.Escape(peerLabel)} {peerRounds[^1].Step:F0} ms (median step), ratio {oursRounds[^1].Step / peerRounds[^1].Step:F2}");
        }
        var ratios = oursRounds.Zip(peerRounds, (a, b) => a.Step / b.Step).ToList();
        var table = new Table().AddColumns("median over rounds", "TorchSharp (this toolkit)", Markup.Escape(peerLabel), "ratio");
        for (var p = 0; p < names.Count; p++)
        {
            var (a, b) = (Median(oursRounds.Select(r => r.Phases[p]).ToList()), Median(peerRounds.Select(r => r.Phases[p]).ToList()));
            table.AddRow(names[p], $"{a:F1} ms", $"{b:F1} ms", $"{a / b:F2}");
        }
        table.AddRow("[bold]step[/]", $"{Median(oursRounds.Select(r => r.Step).ToList()):F1} ms", $"{Median(peerRounds.Select(r => r.Step).ToList()):F1} ms", $"{Median(ratios):F2}");
        table.AddRow("peak memory (VmHWM)", $"{Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MB (whole .NET process)", $"{peerRss:F0} MB", "");
        AnsiConsole.Write(table);
        if (peerSetup.Length > 0) AnsiConsole.MarkupLine($"peer set-up: {Markup.Escape(peerSetup)}");
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio TorchSharp / PyTorch = [bold]{Median(ratios):F2}[/] (median of {rounds} per-round ratios, min {ratios.Min():F2}, max {ratios.Max():F2}; {Markup.Escape(what)})"));
        return 0;
    }

    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
