using SemiDpo.Imaging;

namespace SemiDpo.Rewards;

/// <summary>A reward model (judge): scores images for their prompts, higher is better. Batched.</summary>
public interface IRewardModel
{
    /// <summary>Name used in score files and tables (e.g. MiniClip).</summary>
    string Name { get; }

    /// <summary>The dimension this judge plays, as in the paper's Table 6 (alignment, aesthetics, overall).</summary>
    string Role { get; }

    /// <summary>One score per (prompt, image).</summary>
    float[] Score(IReadOnlyList<string> prompts, IReadOnlyList<RgbImage> images);
}
