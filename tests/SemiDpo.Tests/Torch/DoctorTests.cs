using SemiDpo.Health;

namespace SemiDpo.Tests.Torch;

public class DoctorTests
{
    [Fact]
    public void Run_OnThisMachine_PassesEveryCheckAndFindsTheNotebookTool()
    {
        var checks = Doctor.Run(TestPaths.RepoRoot);

        Assert.All(checks, c => Assert.True(c.Ok, $"{c.Name}: {c.Detail}"));
        Assert.Contains(checks, c => c.Name == "forward + backward");
        Assert.Contains("dotnet-repl 0.3.259", checks.Single(c => c.Name == "notebook tool").Detail);
    }
}
