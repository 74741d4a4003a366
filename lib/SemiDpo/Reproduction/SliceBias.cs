using SemiDpo.World;

namespace SemiDpo.Reproduction;

/// <summary>
/// A clean subset biased against one prompt slice, as in Pick-a-Pic (the paper finds its consensus-clean pairs skewed
/// toward short prompts): the judges' consensus "fails" on a seeded share of the slice's clean training pairs, which
/// then count as noisy. The slice here is the prompts asking for at least <paramref name="MinObjects"/> objects; the
/// evaluation draws half of its prompts from the slice and half from the rest, so each side is measured on its own.
/// </summary>
/// <param name="MinObjects">Prompts with this many objects or more form the slice (the world asks for 1–4).</param>
/// <param name="ConsensusFailure">Share of the slice's clean training pairs moved to the noisy pairs.</param>
/// <param name="Seed">Seeds which of them move.</param>
public sealed record SliceBias(int MinObjects = 3, double ConsensusFailure = 0.75, int Seed = 5)
{
    /// <summary>The slice's name in tables.</summary>
    public string SliceName => $"{MinObjects}+ objects";

    /// <summary>The rest's name in tables.</summary>
    public string RestName => $"fewer than {MinObjects} objects";

    public bool InSlice(string caption) => SceneSpec.Parse(caption).Count >= MinObjects;

    public void Validate()
    {
        if (MinObjects is < 2 or > 4) throw new ArgumentOutOfRangeException(nameof(MinObjects), MinObjects, "The world's prompts ask for 1–4 objects: the slice starts at 2, 3 or 4.");
        if (ConsensusFailure is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(ConsensusFailure), ConsensusFailure, "The consensus failure share must be in [0, 1].");
    }
}
