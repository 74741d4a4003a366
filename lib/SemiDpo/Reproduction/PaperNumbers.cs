using Microsoft.Data.Analysis;
using SemiDpo.Method;

namespace SemiDpo.Reproduction;

/// <summary>
/// The paper's published numbers, as reference data beside the miniature tables (SD1.5 trained on Pick-a-Pic v2,
/// evaluated on its test prompts; Tables 1 and 2 as listed in the official repository's README, Table 7 from the
/// paper). They measure real reward models on real images and are not expected to match the miniature's values:
/// what transfers is the ordering and the shape.
/// </summary>
public static class PaperNumbers
{
    public const string Source = "paper (SD1.5, Pick-a-Pic v2 test prompts; published numbers, not computed here)";

    /// <summary>The paper's reward models in table order, and the miniature judge playing each role (MPS has none).</summary>
    public static IReadOnlyList<(string Paper, string? Miniature)> Judges { get; } =
    [
        ("ImageReward", "MiniImageReward"), ("HPSv2.1", "MiniHps"), ("PickScore", "MiniPickScore"),
        ("Aesthetic", "MiniAesthetic"), ("CLIP", "MiniClip"), ("MPS", null),
    ];

    /// <summary>Table 1: mean reward per method.</summary>
    public static DataFrame Table1() => Frame("method",
        [
            ("SD 1.5", [0.085, 0.250, 20.566, 5.421, 0.273, 9.635]),
            ("Diffusion-DPO", [0.297, 0.261, 20.948, 5.549, 0.279, 10.144]),
            ("Diffusion-KTO", [0.629, 0.281, 21.064, 5.659, 0.281, 10.226]),
            ("Semi-DPO", [0.801, 0.288, 21.524, 5.801, 0.281, 11.030]),
        ]);

    /// <summary>Table 2: Semi-DPO's win rate (share of prompts strictly better) against each method.</summary>
    public static DataFrame Table2() => Frame("Semi-DPO vs.",
        [
            ("Diffusion-DPO", [0.729, 0.821, 0.763, 0.726, 0.535, 0.690]),
            ("Diffusion-KTO", [0.602, 0.595, 0.730, 0.645, 0.504, 0.702]),
        ]);

    /// <summary>Table 4's claim (no numbers in our reference data).</summary>
    public const string Table4 = "Iter0 < Iter1 < Iter2 on most reward models (each iteration improves).";

    /// <summary>Table 5's claim, and the clean share with all five judges.</summary>
    public const string Table5 = "More judges in the consensus: a smaller, cleaner subset and a better model. (Separately, the paper counts ≈ 21 % of Pick-a-Pic v2 as clean with all five.)";

    /// <summary>Table 7: implicit accuracy on the clean test split per timestep (fractions).</summary>
    public static IReadOnlyList<double> Table7 => ThresholdTable.PaperTable7.Select(v => v / 100).ToList();

    static DataFrame Frame(string first, (string Row, double[] Values)[] rows)
    {
        var frame = new DataFrame(new StringDataFrameColumn(first, rows.Select(r => r.Row)));
        for (var j = 0; j < Judges.Count; j++)
            frame.Columns.Add(new DoubleDataFrameColumn(Judges[j].Paper, rows.Select(r => r.Values[j])));
        return frame;
    }
}
