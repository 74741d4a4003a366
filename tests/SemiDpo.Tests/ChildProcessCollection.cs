namespace SemiDpo.Tests;

/// <summary>
/// Tests whose work runs in child processes (each notebook in its own dotnet-repl kernel): they never touch this
/// process's torch generator, so <see cref="OverlappingTestFramework"/> lets them run on while the
/// <see cref="TorchRandomCollection"/> holds this process alone. Two collections, so two lanes of them can run at once.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ChildProcessCollection
{
    public const string Name = "child processes";
    public const string SecondLane = Name + ", second lane";

    /// <summary>Whether a collection is one of the child-process collections.</summary>
    public static bool Contains(string collectionName) => collectionName is Name or SecondLane;
}

[CollectionDefinition(ChildProcessCollection.SecondLane)]
public sealed class ChildProcessSecondLaneCollection;
