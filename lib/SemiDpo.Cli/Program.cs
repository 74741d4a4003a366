using SemiDpo.Cli;
using Spectre.Console.Cli;

// Redirected output (logs, CI) has no terminal width; Spectre then assumes 80 columns and wraps wide tables.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 200;

return SemiDpoCommandApp.Create().Run(args);
