using System.ComponentModel;
using SemiDpo.Alignment;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>The threshold options shared by <c>train</c> and <c>confidence</c>.</summary>
public abstract class ThresholdSettings : CommandSettings
{
    [CommandOption("--threshold <MODE>"), Description("automatic | fixed | handset.")]
    public ThresholdMode Threshold { get; init; } = ThresholdMode.Automatic;

    [CommandOption("--percentile <P>"), Description("Percentile of |z| (automatic: starting point).")]
    public double Percentile { get; init; } = new ThresholdConfig().Percentile;

    [CommandOption("--target <ACC>"), Description("Automatic thresholds: accuracy target on the clean test split.")]
    public double Target { get; init; } = new ThresholdConfig().TargetAccuracy;

    public ThresholdConfig ToThresholdConfig() => new(Threshold, Percentile, Target);
}
