using static TorchSharp.torch;

namespace SemiDpo.Torch;

/// <summary>Device choice: CUDA when available, else CPU; overridable by argument or the SEMIDPO_DEVICE variable.</summary>
public static class TorchDevice
{
    public const string EnvironmentVariable = "SEMIDPO_DEVICE";

    /// <summary>The device to use: <paramref name="requested"/> if given, else SEMIDPO_DEVICE, else cuda when available, else cpu.</summary>
    public static Device Default(string? requested = null)
    {
        var choice = requested ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(choice))
            return cuda.is_available() ? CUDA : CPU;
        Device device;
        try
        {
            device = new Device(choice.Trim());
        }
        catch (Exception e)
        {
            throw new ArgumentException($"Unknown device '{choice}'. Use cpu, cuda or cuda:N.", nameof(requested), e);
        }
        if (device.type == TorchSharp.DeviceType.CUDA && !cuda.is_available())
            throw new ArgumentException($"Device '{choice}' was requested but CUDA is not available in this build or on this machine.", nameof(requested));
        return device;
    }
}
