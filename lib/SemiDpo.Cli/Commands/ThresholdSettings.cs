using System.ComponentModel;
using SemiDpo.Method;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary>The threshold options shared by <c>train</c> and <c>confidence</c>.</summary>
public abstract class ThresholdSettings : CommandSettings
{
    [CommandOption("--threshold <MODE>"), Description("interval (the paper's rule, default) | fixed | handset | acceptedaccuracy.")]
    public ThresholdMode Threshold { get; init; } = new ThresholdConfig().Mode;

    [CommandOption("--percentile <P>"), Description("Percentile of |z| (interval / acceptedaccuracy: the starting one).")]
    public double Percentile { get; init; } = new ThresholdConfig().Percentile;

    [CommandOption("--raised-percentile <P>"), Description("interval: the percentile of an interval whose clean-test accuracy is below --target.")]
    public double RaisedPercentile { get; init; } = new ThresholdConfig().RaisedPercentile;

    [CommandOption("--target <ACC>"), Description("interval / acceptedaccuracy: the clean-test accuracy below which τ is raised.")]
    public double Target { get; init; } = new ThresholdConfig().TargetAccuracy;

    [CommandOption("--threshold-population <WHICH>"), Description("official (default): as the official scripts, the percentile over the clean training pairs and the unlabeled pairs, every pair an earlier pseudo_labels.json lists counting as 0 (from Iter2 on, the clean pairs too) | allscored: the same, the clean pairs always with their |z| (the miniature reproduction's rule) | stillunlabelled: over the unlabeled pairs not labelled yet.")]
    public ThresholdPopulation Population { get; init; } = ThresholdPopulation.Official;

    public ThresholdConfig ToThresholdConfig() => new(Threshold, Percentile, Target, RaisedPercentile: RaisedPercentile, Population: Population);
}
