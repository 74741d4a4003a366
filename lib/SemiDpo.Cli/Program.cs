using SemiDpo.Cli.Commands;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("semidpo");
    config.AddCommand<DoctorCommand>("doctor")
        .WithDescription("Check the environment: TorchSharp and libtorch, the Debian 12 compat patch, device, threads, notebook tool.");
});
return app.Run(args);
