using System.Diagnostics;
using System.Text.Json;

namespace SemiDpo.Tests.Notebooks;

/// <summary>
/// Executes the notebooks in notebooks/ top to bottom with dotnet-repl (the local tool of .config/dotnet-tools.json),
/// from the notebooks folder as VS Code does, and fails on any failing cell or on a number its text quotes (in code style,
/// <see cref="QuotedNumbers"/>) that no output shows. The executed copies are kept in artifacts/notebooks/ for inspection.
/// The three experiment notebooks (<see cref="ExperimentNotebooks"/>) run only when <c>SEMIDPO_NOTEBOOKS=all</c>;
/// <see cref="NotebookCompilationTests"/> compiles them in every run.
/// </summary>
public class NotebookExecutionTests
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(30);   // a hang guard, not a speed check: a busy 2-core machine took 15 min for notebook 04

    /// <summary>
    /// Notebooks whose experiments train for minutes (together 10–15 min, most of the time all notebooks take on 2
    /// cores): executed when <see cref="AllVariable"/> is <c>all</c>, compiled always. What they call is tested by the
    /// reproduction and ablation tests at smaller sizes.
    /// </summary>
    public static readonly string[] ExperimentNotebooks = ["04-ablations.ipynb", "04b-related-methods.ipynb", "05-paper-tables.ipynb", "09-sd15-iterations.ipynb"];

    public const string AllVariable = "SEMIDPO_NOTEBOOKS";

    public static TheoryData<string> Notebooks() => new(AllNotebooks());

    public static TheoryData<string> NotebooksOfEveryRun() => new(AllNotebooks().Except(ExperimentNotebooks));

    public static TheoryData<string> ExperimentNotebookNames() => new(ExperimentNotebooks);

    static IEnumerable<string> AllNotebooks() =>
        Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "notebooks"), "*.ipynb").Order().Select(path => Path.GetFileName(path));

    [Theory]
    [MemberData(nameof(NotebooksOfEveryRun))]
    public void Notebook_RunsTopToBottomWithoutAFailingCell(string notebook) => Execute(notebook);

    [ExperimentNotebookTheory]
    [MemberData(nameof(ExperimentNotebookNames))]
    public void ExperimentNotebook_RunsTopToBottomWithoutAFailingCell(string notebook) => Execute(notebook);

    [Fact]
    public void ExperimentNotebooks_AreNotebooksOfTheFolder() =>
        Assert.All(ExperimentNotebooks, name => Assert.Contains(name, AllNotebooks()));

    /// <summary>A theory that runs only when <c>SEMIDPO_NOTEBOOKS=all</c>, and is reported as skipped otherwise.</summary>
    sealed class ExperimentNotebookTheoryAttribute : TheoryAttribute
    {
        public ExperimentNotebookTheoryAttribute()
        {
            if (Environment.GetEnvironmentVariable(AllVariable) != "all")
                Skip = $"an experiment notebook (minutes of training): executed with {AllVariable}=all, compiled in every run";
        }
    }

    static void Execute(string notebook)
    {
        var notebooks = Path.Combine(TestPaths.RepoRoot, "notebooks");
        var outputDir = Directory.CreateDirectory(Path.Combine(TestPaths.RepoRoot, "artifacts", "notebooks")).FullName;
        var executed = Path.Combine(outputDir, notebook);
        File.Delete(executed);

        var (exitCode, log) = Run(notebooks, "dotnet", "repl", "--run", notebook, "--exit-after-run",
            "--output-path", executed, "--output-format", "ipynb");

        var errors = File.Exists(executed) ? CellErrors(executed) : [];
        Assert.True(exitCode == 0 && errors.Count == 0,
            $"{notebook}: dotnet repl exited with {exitCode}; failing cells: {string.Join(" | ", errors)}\n{Tail(log)}");
        Assert.True(File.Exists(executed), $"{notebook}: no executed notebook was written.\n{Tail(log)}");
        Assert.DoesNotContain("cdn.plot.ly/plotly-", File.ReadAllText(executed));   // charts load no plotly.js from the internet (NotebookCharts)
        var outputs = QuotedNumbers.Outputs(executed);
        var missing = QuotedNumbers.In(QuotedNumbers.Markdown(executed)).Where(q => !QuotedNumbers.OccursIn(q, outputs)).ToList();
        Assert.True(missing.Count == 0, $"{notebook}: its text quotes {string.Join(", ", missing)}, which no output of the executed notebook shows " +
            "(a number in code style is a quote of an output: update the text, or write the number without backticks if it is not one)");
    }

    static List<string> CellErrors(string ipynb)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(ipynb));
        return json.RootElement.GetProperty("cells").EnumerateArray()
            .Where(cell => cell.TryGetProperty("outputs", out _))
            .SelectMany(cell => cell.GetProperty("outputs").EnumerateArray())
            .Where(output => output.GetProperty("output_type").GetString() == "error")
            .Select(output => output.TryGetProperty("evalue", out var v) ? v.GetString() ?? "" : "error")
            .ToList();
    }

    static (int ExitCode, string Log) Run(string workingDirectory, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {Limit}\n{stdout.Result}{stderr.Result}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    static string Tail(string log) => log.Length <= 4000 ? log : "…" + log[^4000..];
}
