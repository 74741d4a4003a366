using System.Reflection;
using System.Runtime.Loader;

namespace SemiDpo.Interactive;

/// <summary>
/// Plotly.NET 6 is compiled against FSharp.Core 10.1 while the notebook tools ship 10.0. Binding requests for any
/// FSharp.Core are answered with the one already loaded, so the first chart does not fail with FileNotFoundException.
/// </summary>
public static class FSharpCoreResolver
{
    static int installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref installed, 1) == 1) return;
        AssemblyLoadContext.Default.Resolving += Resolve;
    }

    static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == "FSharp.Core"
            ? AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "FSharp.Core")
            : null;
}
