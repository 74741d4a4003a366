using System.Globalization;
using System.Text;
using Microsoft.Data.Analysis;
using SemiDpo.Analysis;
using SemiDpo.Method;

namespace SemiDpo.Reproduction;

/// <summary>One table of the report: file name, title, the miniature's frame and, where published, the paper's.</summary>
public sealed record ReportTable(string File, string Title, DataFrame Frame, DataFrame? Paper, string? PaperNote);

/// <summary>
/// Writes a reproduction's tables as CSV + Markdown (the paper's numbers beside each, labelled), the per-prompt
/// scores of every method and seed, the config, and <c>summary.md</c> with everything in reading order.
/// </summary>
public static class ReproductionReport
{
    public static IReadOnlyList<ReportTable> Tables(ReproductionResult result)
    {
        var tables = new ReproductionTables(result);
        var seeds = result.Seeds.Count == 1 ? "1 seed" : $"mean over {result.Seeds.Count} seeds (sd columns: sample sd)";
        var list = new List<ReportTable>();
        if (tables.Comparisons.Count > 0)
        {
            list.Add(new("claim", $"The claim: paired differences in true utility, 95 % bootstrap intervals over {(result.Seeds.Count > 1 ? "seeds and " : "")}prompts ({result.Seeds.Count} seed(s))",
                tables.Claim(), null, null));
            list.Add(new("claim-per-seed", "The same comparisons per seed (95 % paired bootstrap over prompts)", tables.ClaimPerSeed(), null, null));
        }
        if (result.Config.Study.Bias is { } bias)
            list.Add(new("slices", $"The biased clean subset: the consensus failed on {bias.ConsensusFailure:P0} of the clean training pairs of prompts with {bias.SliceName}; the comparisons per side of the slice",
                tables.Slices(), null, null));
        list.Add(new("table1-means", $"Table 1 analogue: mean scores per method ({result.Config.Study.EvalPrompts} held-out prompts, {Images(result.Config.Study.ImagesPerPrompt)}; {seeds})",
            tables.Table1(), PaperNumbers.Table1(), null));
        list.Add(new("table2-win-rates", $"Table 2 analogue: Semi-DPO's win rate (share of prompts strictly better) against each method ({seeds})",
            tables.Table2(), PaperNumbers.Table2(), null));
        if (result.MethodNames.Contains(MethodNames.DiffusionDpoAll))
            list.Add(new("vs-diffusion-dpo", $"Beyond the paper: every method against {MethodNames.DiffusionDpoAll} on the true preference ({seeds})",
                tables.VersusDiffusionDpo(), null, null));
        list.Add(new("table4-iterations", $"Table 4 analogue: the iterations ({seeds})", tables.Table4(), null, PaperNumbers.Table4));
        if (result.Config.JudgeCountAblation)
            list.Add(new("table5-judge-count", "Table 5 analogue: consensus with K judges (paper order), Iter0 trained on each clean subset (first seed)",
                tables.Table5(), null, PaperNumbers.Table5));
        if (result.Seeds[0].Agreement.Count > 0)
            list.Add(new("pseudo-labels", $"Pseudo-labels per iteration and interval: thresholds, precision against the true preference, and the training mix ({seeds})",
                tables.PseudoLabels(), null, null));
        if (result.Seeds[0].Agreement.Count > 0)
            list.Add(new("pseudo-label-agreement", $"Beyond the paper: what the pseudo-labels follow, against the true dimensions ({seeds})",
                tables.LabelAgreement(), null, null));
        if (result.Config.SemiDpo.Iterations > 1)
            list.Add(new("table7-accuracy", $"Table 7 analogue: Iter0's implicit accuracy on the clean test split per timestep ({seeds})", tables.Table7(), null, null));
        return list;
    }

    static string Images(int perPrompt) => perPrompt == 1 ? "one image each" : $"{perPrompt} images each";

    /// <summary>Writes every file into <paramref name="folder"/>; returns the path of summary.md.</summary>
    public static string Write(ReproductionResult result, string folder)
    {
        Directory.CreateDirectory(folder);
        var summary = new StringBuilder();
        summary.AppendLine("# Semi-DPO miniature reproduction").AppendLine();
        var tables = new ReproductionTables(result);
        summary.AppendLine(tables.Headline()).AppendLine();
        if (tables.Reading() is { Length: > 0 } reading) summary.AppendLine(reading).AppendLine();
        var study = result.Config.Study;
        var cleanTrain = result.Split.CleanTrain.Length;
        summary.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"World: {study.World.Pairs:N0} pairs; clean {cleanTrain:N0} train ({study.CleanShare(result.Split):P1} of its non-tie pairs" +
            $"{(study.CleanKeep < 1 ? $", {study.CleanKeep:P0} of its clean pairs kept" : "")}) / {result.Split.CleanTest.Length:N0} test" +
            $"{(study.CleanTestPairs > 0 ? $" (the clean pairs of {study.CleanTestPairs:N0} extra world pairs)" : "")}; " +
            $"human label right on {result.CleanLabelAccuracy:P1} of the clean pairs; noisy {result.Split.Noisy.Length:N0}. " +
            $"{(result.Config.FlipRate > 0 ? $"{result.Config.FlipRate:P0} of the human labels flipped before Stage 1. " : "")}" +
            $"Seeds {string.Join(", ", result.Seeds.Select(s => s.Seed))}; wall time {result.Elapsed.TotalMinutes:F1} min.")).AppendLine();
        summary.AppendLine("The data regime (the paper's ratios at the miniature's size):").AppendLine();
        foreach (var line in tables.Regime()) summary.AppendLine(string.Create(CultureInfo.InvariantCulture, $"- {line}"));
        summary.AppendLine();
        summary.AppendLine("How to read the win rates: the five judges (MiniClip … MiniPickScore) are the consensus filter's committee, " +
                           "the same models that chose the clean pairs, so their columns are not independent of the method. The world's " +
                           "oracle (alignment, aesthetics, detail and their mean, true utility) is the independent measure.").AppendLine();
        foreach (var table in Tables(result))
        {
            summary.AppendLine(TableFiles.Save(table.Frame, folder, table.File, table.Title));
            if (table.Paper is not null)
                summary.AppendLine(TableFiles.Save(table.Paper, folder, table.File + "-paper", $"{PaperNumbers.Source}")).AppendLine();
            if (table.PaperNote is not null) summary.AppendLine($"*{PaperNumbers.Source}:* {table.PaperNote}").AppendLine();
        }
        foreach (var seed in result.Seeds)
            TableFiles.SaveCsv(PerPrompt(seed), Path.Combine(folder, $"scores-seed{seed.Seed}.csv"));
        // Fields too: the tuples in the config (e.g. the world's annotator temperature range) are value-tuple fields.
        IO.RunConfigFile.Write(Path.Combine(folder, IO.RunConfigFile.FileName), result.Config);
        var path = Path.Combine(folder, "summary.md");
        File.WriteAllText(path, summary.ToString());
        return path;
    }

    /// <summary>Every method's score per prompt and metric (long format: method, prompt, metric, score).</summary>
    public static DataFrame PerPrompt(SeedRun seed)
    {
        var rows = seed.Methods.SelectMany(m => m.Metrics.SelectMany(metric => m.PerPrompt[metric].Select((v, i) => (m.Name, Prompt: m.Prompts[i], metric, v)))).ToList();
        return new DataFrame(
            new StringDataFrameColumn("method", rows.Select(r => r.Name)),
            new StringDataFrameColumn("prompt", rows.Select(r => r.Prompt)),
            new StringDataFrameColumn("metric", rows.Select(r => r.metric)),
            new DoubleDataFrameColumn("score", rows.Select(r => r.v)));
    }
}
