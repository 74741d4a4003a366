using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SemiDpo.Tests.Notebooks;

/// <summary>
/// Compiles every notebook's C# cells, in order, against the toolkit this build produced, without running them: each
/// cell is a script submission that sees the variables and usings of the cells before it, as in the .NET Interactive
/// C# kernel (its default usings and <c>using static Microsoft.DotNet.Interactive.Kernel</c>, which gives
/// <c>display</c>). The <c>#r "nuget: SemiDpo.Interactive"</c> line stands for the assemblies the test already
/// references. This catches a notebook broken by a change to the library's API in seconds, including the experiment
/// notebooks that the default test run does not execute (<see cref="NotebookExecutionTests"/>).
/// </summary>
public class NotebookCompilationTests
{
    /// <summary>The C# kernel's default usings (Microsoft.DotNet.Interactive.CSharp's CSharpKernel) and its kernel helpers.</summary>
    const string KernelPrelude = """
        using System;
        using System.Collections;
        using System.Collections.Generic;
        using System.Linq;
        using System.Text;
        using System.Threading.Tasks;
        using Microsoft.DotNet.Interactive;
        using static Microsoft.DotNet.Interactive.Kernel;
        """;

    static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => path.EndsWith(".dll", StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)).ToList());

    [Theory]
    [MemberData(nameof(NotebookExecutionTests.Notebooks), MemberType = typeof(NotebookExecutionTests))]
    public void EveryCodeCell_CompilesAgainstTheToolkit(string notebook)
    {
        var cells = CodeCells(Path.Combine(TestPaths.RepoRoot, "notebooks", notebook));
        Assert.NotEmpty(cells);
        var previous = Submission("prelude", KernelPrelude, null);
        foreach (var (index, code) in cells)
        {
            // Roslyn chains only error-free submissions, so the first failing cell ends the check (as it ends Run All).
            var submission = Submission($"cell{index}", code, previous);
            var errors = submission.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)
                .Select(d => $"line {d.Location.GetLineSpan().StartLinePosition.Line + 1}: {d.GetMessage()}").ToList();
            Assert.True(errors.Count == 0, $"{notebook}, cell {index} does not compile:\n{string.Join("\n", errors)}");
            previous = submission;
        }
    }

    [Fact]
    public void ACellUsingAMemberTheToolkitLacks_FailsToCompile()
    {
        var previous = Submission("prelude", KernelPrelude, null);
        var ok = Submission("ok", "var config = SemiDpo.Reproduction.ReproduceConfig.Quick;", previous);
        var broken = Submission("broken", "var steps = config.NoSuchMember;", ok);
        Assert.Empty(ok.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Contains(broken.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error && d.GetMessage().Contains("NoSuchMember"));
    }

    static CSharpCompilation Submission(string name, string code, CSharpCompilation? previous) =>
        CSharpCompilation.CreateScriptCompilation(name,
            CSharpSyntaxTree.ParseText(code, CSharpParseOptions.Default.WithKind(SourceCodeKind.Script).WithLanguageVersion(LanguageVersion.Latest)),
            References.Value, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary), previous, typeof(object));

    /// <summary>The C# code cells, numbered from 1 among all cells, without their <c>#r "nuget: …"</c> lines.</summary>
    static List<(int Index, string Code)> CodeCells(string path) =>
        NotebookCells.Of(path, "code").Select(c => (c.Index, string.Join("\n",
            c.Source.Split('\n').Where(line => !line.TrimStart().StartsWith("#r \"nuget:", StringComparison.Ordinal))))).ToList();
}
