namespace SemiDpo.Tests.Distributed;

/// <summary>
/// A test that launches <c>mpiexec</c> (MPICH). Where it is not installed the test is skipped with the reason, except
/// under CI (<c>CI</c> set), which installs MPICH and must run it: there a missing mpiexec fails the test.
/// </summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") is null && !Installed)
            Skip = "needs MPICH's mpiexec (Debian: apt-get install mpich); CI installs it";
    }

    static bool Installed => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(folder => File.Exists(Path.Combine(folder, "mpiexec")));
}
