using SemiDpo.Cli.Commands;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("semidpo");
    config.AddCommand<DoctorCommand>("doctor")
        .WithDescription("Check the environment: TorchSharp and libtorch, the Debian 12 compat patch, device, threads, notebook tool.");
    config.AddBranch("world", world =>
    {
        world.SetDescription("The miniature world: procedural prompts, images, pixel oracle and simulated annotators.");
        world.AddCommand<WorldBuildCommand>("build").WithDescription("Render a world to Pick-a-Pic v2 style parquet (+ ground truth).")
            .WithExample("world", "build", "--out", "data/cache/world", "--pairs", "20000", "--seed", "1");
        world.AddCommand<WorldStatsCommand>("stats").WithDescription("Read a world back and print its Pick-a-Pic-likeness statistics.");
    });
});
return app.Run(args);
