using Mono.Cecil;

namespace SemiDpo.Tests.Architecture;

/// <summary>
/// Which namespaces of an assembly use which others, read from its IL with Mono.Cecil: base types, interfaces, fields,
/// signatures, locals and every type, method and field a method body names (so a dependency hidden in a lambda or an
/// async state machine counts; one left only in a <c>using</c> directive or a doc comment does not).
/// </summary>
public sealed class NamespaceGraph
{
    readonly Dictionary<(string From, string To), SortedSet<string>> edges = [];

    /// <summary>From → to, each with the type references that make it (e.g. "DpoTrainer → PairSet").</summary>
    public IReadOnlyDictionary<(string From, string To), SortedSet<string>> Edges => edges;

    /// <summary>Every namespace that declares a type, or is named by an edge.</summary>
    public SortedSet<string> Namespaces { get; } = [];

    /// <summary>The graph of namespace <paramref name="prefix"/> and those inside it in the assembly at <paramref name="path"/>.</summary>
    public static NamespaceGraph Read(string path, string prefix)
    {
        var graph = new NamespaceGraph();
        using var assembly = AssemblyDefinition.ReadAssembly(path);
        foreach (var type in assembly.MainModule.GetTypes())
        {
            var from = NamespaceOf(type);
            if (!Within(from, prefix)) continue;
            graph.Namespaces.Add(from);
            foreach (var used in Referenced(type)) graph.Add(type, from, used, prefix);
        }
        return graph;
    }

    /// <summary>A graph from explicit edges (to test the checks themselves).</summary>
    public static NamespaceGraph Of(params (string From, string To)[] pairs)
    {
        var graph = new NamespaceGraph();
        foreach (var (from, to) in pairs)
        {
            graph.Namespaces.Add(from);
            graph.Namespaces.Add(to);
            graph.edges[(from, to)] = [$"{from} → {to}"];
        }
        return graph;
    }

    /// <summary>The strongly connected components with more than one namespace (Tarjan): each is a cycle.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var next = Namespaces.ToDictionary(n => n, n => edges.Keys.Where(e => e.From == n).Select(e => e.To).ToList());
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var cycles = new List<IReadOnlyList<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            foreach (var w in next[v])
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (stack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string u;
            do component.Add(u = stack.Pop()); while (u != v);
            if (component.Count > 1) cycles.Add([.. component.Order(StringComparer.Ordinal)]);
        }
        foreach (var n in Namespaces) if (!index.ContainsKey(n)) Visit(n);
        return cycles;
    }

    void Add(TypeDefinition type, string from, TypeReference? used, string prefix)
    {
        if (used is null) return;
        if (used is GenericInstanceType generic) foreach (var argument in generic.GenericArguments) Add(type, from, argument, prefix);
        if (used is TypeSpecification specification) { Add(type, from, specification.ElementType, prefix); return; }
        var to = NamespaceOf(used);
        if (to == from || !Within(to, prefix)) return;
        Namespaces.Add(to);
        if (!edges.TryGetValue((from, to), out var examples)) edges[(from, to)] = examples = [];
        examples.Add($"{Outermost(type).Name} → {Outermost(used).Name}");
    }

    static IEnumerable<TypeReference?> Referenced(TypeDefinition type)
    {
        yield return type.BaseType;
        foreach (var i in type.Interfaces) yield return i.InterfaceType;
        foreach (var f in type.Fields) yield return f.FieldType;
        foreach (var p in type.Properties) yield return p.PropertyType;
        foreach (var m in type.Methods)
        {
            yield return m.ReturnType;
            foreach (var p in m.Parameters) yield return p.ParameterType;
            if (!m.HasBody) continue;
            foreach (var v in m.Body.Variables) yield return v.VariableType;
            foreach (var instruction in m.Body.Instructions)
                switch (instruction.Operand)
                {
                    case TypeReference t: yield return t; break;
                    case MethodReference called:
                        yield return called.DeclaringType;
                        yield return called.ReturnType;
                        foreach (var p in called.Parameters) yield return p.ParameterType;
                        break;
                    case FieldReference field: yield return field.DeclaringType; yield return field.FieldType; break;
                }
        }
    }

    static bool Within(string name, string prefix) => name == prefix || name.StartsWith(prefix + ".", StringComparison.Ordinal);

    static TypeReference Outermost(TypeReference type)
    {
        while (type.DeclaringType is { } outer) type = outer;
        return type;
    }

    static string NamespaceOf(TypeReference type) => Outermost(type).Namespace;
}
