using SemiDpo.Diffusion;
using SemiDpo.Rewards;
using SemiDpo.World;
using SemiDpo.World.Model;

namespace SemiDpo.Reproduction;

/// <summary>
/// The fixed part of a miniature reproduction: the world, the judges, Stage 1 and how samples are evaluated.
/// </summary>
/// <param name="World">The world's pairs (default: 20,000 pairs, seed 1 — what <c>semidpo world build</c> writes).</param>
/// <param name="Consensus">Stage 1; a 10 % clean test split so the per-interval accuracies (Table 7) rest on a few hundred pairs.</param>
/// <param name="JudgesFolder">The committed judges (hash-checked).</param>
/// <param name="BaseModel">The committed base model (hash-checked).</param>
/// <param name="EvalPrompts">Held-out prompts (paper: one image per prompt, seed 42).</param>
/// <param name="Sampler">DDIM steps, guidance and the seed behind each image's starting noise.</param>
/// <param name="ImagesPerPrompt">Images drawn per prompt, each from its own seeded noise; win rates compare image k of one method with image k of the other.</param>
public sealed record StudyConfig(
    WorldConfig World,
    ConsensusConfig Consensus,
    string JudgesFolder,
    string BaseModel,
    int EvalPrompts,
    SamplerConfig Sampler,
    int ImagesPerPrompt = 1)
{
    public StudyConfig() : this(new WorldConfig(), new ConsensusConfig(TestFraction: 0.1), Path.Combine("data", "judges"),
        BaseModelFile.DefaultPath, 128, new SamplerConfig(Steps: 20)) { }

    public void Validate()
    {
        World.Validate();
        if (EvalPrompts < 1) throw new ArgumentOutOfRangeException(nameof(EvalPrompts), EvalPrompts, "At least one evaluation prompt.");
        if (ImagesPerPrompt < 1) throw new ArgumentOutOfRangeException(nameof(ImagesPerPrompt), ImagesPerPrompt, "At least one image per prompt.");
        if (Sampler.Steps < 1) throw new ArgumentOutOfRangeException(nameof(Sampler), Sampler.Steps, "At least one sampling step.");
    }
}
