using System.Text.RegularExpressions;
using SemiDpo.Cli;
using Spectre.Console;

namespace SemiDpo.Tests.Cli;

/// <summary>Every registered command's --help renders (descriptions are console markup: a stray [x] would crash it).</summary>
public partial class CommandHelpTests
{
    static (int ExitCode, string Output) Help(params string[] path)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.No, Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
        });
        var app = SemiDpoCommandApp.Create();
        app.Configure(c => c.Settings.Console = console);
        var exitCode = app.Run([.. path, "--help"]);
        return (exitCode, writer.ToString());
    }

    /// <summary>Command names under "COMMANDS:" of a help page (branches list their own).</summary>
    static IEnumerable<string> Commands(string help)
    {
        var section = help.IndexOf("COMMANDS:", StringComparison.Ordinal);
        if (section < 0) yield break;
        foreach (Match m in CommandLine().Matches(help[section..])) yield return m.Groups[1].Value;
    }

    [Fact]
    public void EveryCommandsHelp_Renders()
    {
        var pending = new Queue<string[]>([[]]);
        var seen = new List<string>();
        while (pending.Count > 0)
        {
            var path = pending.Dequeue();
            var (exitCode, output) = Help(path);
            Assert.True(exitCode == 0, $"semidpo {string.Join(" ", path)} --help exited {exitCode}: {output}");
            Assert.Contains("USAGE", output);
            seen.Add(string.Join(" ", path));
            foreach (var command in Commands(output)) pending.Enqueue([.. path, command]);
        }
        Assert.Contains("filter ablate", seen);
        Assert.Contains("score", seen);
        Assert.Contains("bench sd-step", seen);
        Assert.True(seen.Count >= 20, $"only {seen.Count} help pages: {string.Join(", ", seen)}");
    }

    [GeneratedRegex(@"^\s{4}([a-z][a-z0-9-]*)\s", RegexOptions.Multiline)]
    private static partial Regex CommandLine();
}
