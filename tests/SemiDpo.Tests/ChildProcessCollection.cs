namespace SemiDpo.Tests;

/// <summary>
/// Tests whose work runs in child processes (each notebook in its own dotnet-repl kernel): they never touch this
/// process's torch generator, so <see cref="OverlappingTestFramework"/> lets them run on while the
/// <see cref="TorchRandomCollection"/> holds this process alone.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ChildProcessCollection
{
    public const string Name = "child processes";
}
