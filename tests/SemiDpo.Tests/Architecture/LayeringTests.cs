using SemiDpo.Charts;
using SemiDpo.Interactive;

namespace SemiDpo.Tests.Architecture;

/// <summary>
/// The library's namespaces in layers, lowest first (docs/internals.md draws the same picture): a namespace may use
/// namespaces of lower layers only, so the miniature world sits on the method and the method never knows the world.
/// </summary>
public class LayeringTests
{
    static readonly string[][] LibraryLayers =
    [
        ["SemiDpo.IO", "SemiDpo.Imaging"],
        ["SemiDpo.Torch", "SemiDpo.Distributed"],
        ["SemiDpo.Pretrained", "SemiDpo.Data"],
        ["SemiDpo.Diffusion"],
        ["SemiDpo.Clip"],
        ["SemiDpo.Rewards"],
        ["SemiDpo.Preferences"],
        ["SemiDpo.Losses", "SemiDpo.StableDiffusion"],
        ["SemiDpo.Training"],
        ["SemiDpo.Method"],
        ["SemiDpo.Baselines", "SemiDpo.Official"],
        ["SemiDpo.World"],
        ["SemiDpo.World.Model", "SemiDpo.World.Judges"],
        ["SemiDpo.Analysis"],
        ["SemiDpo.Reproduction", "SemiDpo.Health"],
    ];

    static readonly string[][] CommandLineLayers =
    [
        ["SemiDpo.Cli.Common"],
        ["SemiDpo.Cli.Commands", "SemiDpo.Cli.Bench"],
        ["SemiDpo.Cli"],
    ];

    static string PathOf(Type type) => type.Assembly.Location;

    public static TheoryData<string> Assemblies() =>
    [
        PathOf(typeof(SemiDpo.Torch.TorchRuntime)),
        PathOf(typeof(SemiDpo.Cli.Common.ExitCodes)),
        PathOf(typeof(ChartFiles)),
        PathOf(typeof(HtmlFormatters)),
    ];

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void NoAssemblyOfTheProduct_HasANamespaceCycle(string assembly)
    {
        var graph = NamespaceGraph.Read(assembly, "SemiDpo");
        Assert.True(graph.Namespaces.Count > 0, $"{assembly}: no SemiDpo namespace read");
        var cycles = graph.Cycles();
        Assert.True(cycles.Count == 0, $"{Path.GetFileName(assembly)} has namespace cycles:\n" + string.Join("\n", cycles.Select(c => Describe(graph, c))));
    }

    [Fact]
    public void TheLibrary_UsesOnlyLowerLayers()
    {
        var graph = NamespaceGraph.Read(PathOf(typeof(SemiDpo.Torch.TorchRuntime)), "SemiDpo");
        Assert.Contains("DpoTrainer → PairSet", graph.Edges[("SemiDpo.Training", "SemiDpo.Preferences")]);   // the IL is read
        AssertLayered(graph, LibraryLayers);
    }

    [Fact]
    public void TheCommandLine_UsesOnlyLowerLayers() =>
        AssertLayered(NamespaceGraph.Read(PathOf(typeof(SemiDpo.Cli.Common.ExitCodes)), "SemiDpo.Cli"), CommandLineLayers);

    [Fact]
    public void TheCycleCheck_FindsACycleOfThree_AndNotAChain()
    {
        var cycle = NamespaceGraph.Of(("A", "B"), ("B", "C"), ("C", "A"), ("C", "D"));
        Assert.Equal(["A", "B", "C"], Assert.Single(cycle.Cycles()));
        Assert.Empty(NamespaceGraph.Of(("A", "B"), ("B", "C"), ("A", "C")).Cycles());
    }

    [Fact]
    public void TheLayerCheck_RejectsAnUpwardUse_AndANamespaceInNoLayer()
    {
        Assert.Contains("uses a higher or equal layer", Assert.ThrowsAny<Exception>(() => AssertLayered(NamespaceGraph.Of(("Low", "High")), [["Low"], ["High"]])).Message);
        Assert.Contains("in no layer", Assert.ThrowsAny<Exception>(() => AssertLayered(NamespaceGraph.Of(("High", "Other")), [["Low"], ["High"]])).Message);
    }

    static void AssertLayered(NamespaceGraph graph, string[][] layers)
    {
        var layerOf = layers.SelectMany((names, i) => names.Select(n => (n, i))).ToDictionary(x => x.n, x => x.i);
        var unplaced = graph.Namespaces.Where(n => !layerOf.ContainsKey(n)).ToList();
        Assert.True(unplaced.Count == 0, $"namespaces in no layer (add them to the layers and to docs/internals.md): {string.Join(", ", unplaced)}");
        var upward = graph.Edges.Where(e => layerOf[e.Key.To] >= layerOf[e.Key.From])
            .Select(e => $"{e.Key.From} uses a higher or equal layer, {e.Key.To}: {string.Join(", ", e.Value.Take(4))}").ToList();
        Assert.True(upward.Count == 0, string.Join("\n", upward));
    }

    static string Describe(NamespaceGraph graph, IReadOnlyList<string> cycle) =>
        string.Join("\n", graph.Edges.Where(e => cycle.Contains(e.Key.From) && cycle.Contains(e.Key.To))
            .Select(e => $"  {e.Key.From} → {e.Key.To}: {string.Join(", ", e.Value.Take(4))}"));
}
