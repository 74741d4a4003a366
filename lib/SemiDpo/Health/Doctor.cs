using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Health;

/// <summary>One line of the environment check.</summary>
public sealed record DoctorCheck(string Name, bool Ok, string Detail);

/// <summary>The environment check behind <c>semidpo doctor</c>: can torch run here, and how.</summary>
public static class Doctor
{
    /// <summary>Runs every check; a failing torch check carries the loader's message.</summary>
    public static IReadOnlyList<DoctorCheck> Run(string workingDirectory)
    {
        var checks = new List<DoctorCheck>();
        TorchRuntimeReport? report = null;
        try
        {
            report = TorchRuntime.Init();
            checks.Add(new("TorchSharp", true, $"{report.TorchSharpVersion} ({report.Backend} build)"));
            checks.Add(new("libtorch", true, report.LibTorchVersion));
        }
        catch (TorchRuntimeException e)
        {
            checks.Add(new("libtorch", false, e.Message));
        }
        checks.Add(new("Debian 12 compat", !(report?.Compat.StartsWith("failed", StringComparison.Ordinal) ?? true),
            report?.Compat ?? "not reached"));
        if (report is not null)
        {
            checks.Add(new("libstdc++", true, report.LibStdCxx ?? "not inspected"));
            checks.Add(new("native folder", true, report.NativeFolder ?? "TorchSharp's default"));
            checks.Add(new("device", true, report.Device.ToString()));
            checks.Add(new("oneDNN convolution", true, report.OneDnn));
            checks.Add(new("OpenMP wait policy", true, report.OmpWaitPolicy));
            checks.Add(new("malloc", true, report.Malloc));
            checks.Add(new("threads", true, report.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            checks.Add(Smoke(report.Device));
        }
        var tool = NotebookTool.Find(workingDirectory);
        checks.Add(new("notebook tool", true, tool.ToString()));
        return checks;
    }

    /// <summary>Forward and backward of a small product on the chosen device.</summary>
    static DoctorCheck Smoke(Device device)
    {
        try
        {
            using var scope = NewDisposeScope();
            var x = ones(64, 64, device: device, requires_grad: true);
            var y = matmul(x, x).sum();
            y.backward();
            var grad = x.grad!.mean().item<float>();
            return new("forward + backward", grad == 128f, $"mean gradient {grad} (expected 128)");
        }
        catch (Exception e)
        {
            return new("forward + backward", false, e.Message);
        }
    }
}
