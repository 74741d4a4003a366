using SemiDpo.Data;

namespace SemiDpo.Rewards;

/// <summary>K judges scoring preference pairs together (Stage 1 of Semi-DPO).</summary>
public sealed class RewardCommittee(IReadOnlyList<IRewardModel> judges)
{
    public IReadOnlyList<IRewardModel> Judges => judges;

    /// <summary>Every judge's score of both images of every pair.</summary>
    public ScoreTable Score(IReadOnlyList<PreferencePair> pairs, IProgress<string>? progress = null)
    {
        var prompts = pairs.Select(p => p.Caption).ToList();
        var images0 = pairs.Select(p => p.Image0).ToList();
        var images1 = pairs.Select(p => p.Image1).ToList();
        var s0 = new float[judges.Count][];
        var s1 = new float[judges.Count][];
        for (var k = 0; k < judges.Count; k++)
        {
            progress?.Report(judges[k].Name);
            s0[k] = judges[k].Score(prompts, images0);
            s1[k] = judges[k].Score(prompts, images1);
        }
        return new ScoreTable(judges.Select(j => j.Name).ToList(), s0, s1);
    }
}
