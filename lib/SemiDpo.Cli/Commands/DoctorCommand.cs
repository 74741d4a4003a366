using SemiDpo.Health;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary><c>semidpo doctor</c>: prints the environment check; exits 1 when torch cannot run.</summary>
public sealed class DoctorCommand : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var checks = Doctor.Run(Directory.GetCurrentDirectory());
        var table = new Table().AddColumns("check", "", "detail");
        foreach (var check in checks)
            table.AddRow(Markup.Escape(check.Name), check.Ok ? "[green]ok[/]" : "[red]FAIL[/]", Markup.Escape(check.Detail));
        AnsiConsole.Write(table);
        var failed = checks.Where(c => !c.Ok).ToList();
        if (failed.Count == 0)
        {
            AnsiConsole.MarkupLine("[green]torch runs here.[/]");
            return 0;
        }
        AnsiConsole.MarkupLine($"[red]torch cannot run here:[/] {Markup.Escape(string.Join("; ", failed.Select(c => c.Name)))}. See the details above and README.md (Troubleshooting).");
        return 1;
    }
}
