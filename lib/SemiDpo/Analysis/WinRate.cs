namespace SemiDpo.Analysis;

/// <summary>
/// The paper's Table 2 win rate: the share of prompts where method A's image scores STRICTLY higher than method B's
/// image for the same prompt (ties count for neither).
/// </summary>
public static class WinRate
{
    public static double Of(ImageSetScores a, ImageSetScores b, string metric)
    {
        if (!a.Prompts.SequenceEqual(b.Prompts)) throw new ArgumentException($"{a.Name} and {b.Name} were scored on different prompts; win rates compare the same prompts.");
        if (!a.PerPrompt.TryGetValue(metric, out var x) || !b.PerPrompt.TryGetValue(metric, out var y))
            throw new ArgumentException($"Metric '{metric}' is missing in {a.Name} or {b.Name}.");
        return (double)x.Zip(y).Count(p => p.First > p.Second) / x.Length;
    }
}
