using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Torch;

/// <summary>Runs apart from every other test: oneDNN's switch is process-wide, and another class's forward pass flips it.</summary>
[Collection(TorchRandomCollection.Name)]
public class TorchRuntimeTests
{
    [Fact]
    public void Init_ReportsLibTorchVersionDeviceAndThreads()
    {
        var report = TorchRuntime.Init();

        Assert.StartsWith("2.10", report.LibTorchVersion);
        Assert.True(report.Threads >= 1);
        Assert.DoesNotContain("failed", report.Compat);
        Assert.Same(report, TorchRuntime.Init());
    }

    [Fact]
    public void RoundTrip_MatmulBackward_GivesAnalyticGradient()
    {
        TorchRuntime.Init();
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2], requires_grad: true);
        var b = tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);

        var y = matmul(a, b).sum();
        y.backward();

        // d/dA sum(A·B) = 1·Bᵀ: row i of the gradient is the row sums of B.
        Assert.Equal(new float[] { 11, 15, 11, 15 }, a.grad!.data<float>().ToArray());
        Assert.Equal(1 * 5 + 2 * 7 + 1 * 6 + 2 * 8 + 3 * 5 + 4 * 7 + 3 * 6 + 4 * 8, y.item<float>());
    }

    [Fact]
    public void Init_LeavesOneDnnOffOutsideForwardScopes()
    {
        TorchRuntime.Init();
        Assert.Equal(false, OneDnnSwitch.Enabled());
        using (OneDnnSwitch.ForForward()) Assert.Equal(true, OneDnnSwitch.Enabled());
        Assert.Equal(false, OneDnnSwitch.Enabled());
    }

    [Fact]
    public void Init_KeepsFreedMemoryInTheHeap_UnlessTheUserChoseOtherwise()
    {
        var report = TorchRuntime.Init();
        var userChose = Environment.GetEnvironmentVariable(MallocDefaults.OptOut) == "default"
                        || new[] { "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_" }.Any(v => Environment.GetEnvironmentVariable(v) is not null);

        Assert.StartsWith(userChose ? "" : "heap-kept", report.Malloc);
        Assert.Contains(report.Malloc, report.ToString());
    }
}
