using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Torch;

[Collection(TorchRandomCollection.Name)]
public class DeviceAndSeedingTests
{
    [Fact]
    public void Default_IsCudaWhenAvailable_ElseCpu()
    {
        TorchRuntime.Init();
        var expected = cuda.is_available() ? TorchSharp.DeviceType.CUDA : TorchSharp.DeviceType.CPU;
        Assert.Equal(expected, TorchDevice.Default().type);
    }

    [Fact]
    public void Default_HonoursAnExplicitRequest() =>
        Assert.Equal(TorchSharp.DeviceType.CPU, TorchDevice.Default("cpu").type);

    [Fact]
    public void Default_RejectsUnknownDeviceNames()
    {
        var e = Assert.Throws<ArgumentException>(() => TorchDevice.Default("tpu"));
        Assert.Contains("Unknown device 'tpu'", e.Message);
    }

    [Fact]
    public void SameSeed_GivesTheSameTensorsAndManagedNumbers()
    {
        var r1 = Seeding.Everything(7);
        var a = randn(16).data<float>().ToArray();
        var n1 = r1.Next();
        var r2 = Seeding.Everything(7);
        var b = randn(16).data<float>().ToArray();

        Assert.Equal(a, b);
        Assert.Equal(n1, r2.Next());
    }
}
