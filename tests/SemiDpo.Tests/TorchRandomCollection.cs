namespace SemiDpo.Tests;

/// <summary>
/// Tests that seed torch's global random generator and depend on the exact numbers it then draws. xunit runs test
/// classes in parallel, and another class drawing from the same global generator in between would change them, so
/// these classes run one at a time, apart from everything else.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchRandomCollection
{
    public const string Name = "torch global RNG";
}
