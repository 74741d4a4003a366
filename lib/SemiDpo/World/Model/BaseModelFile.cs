using SemiDpo.Diffusion;
using System.Security.Cryptography;

namespace SemiDpo.World.Model;

/// <summary>
/// The committed base model of the world: weights at <see cref="DefaultPath"/> and their SHA-256 beside them
/// (<c>base.ckpt.sha256</c>), found in a checkout or beside the installed tool (<see cref="IO.BundledData"/>).
/// Regenerate with <see cref="RegenerateCommand"/>.
/// </summary>
public static class BaseModelFile
{
    public const string RegenerateCommand = "dotnet run --project lib/SemiDpo.Cli -c Release -- pretrain";

    /// <summary>The size of the base model (the default UNet is shrunk to keep CPU training in minutes).</summary>
    public static UNetConfig Config { get; } = new(Channels: 32, TextWidth: 64);

    public static string DefaultPath => Path.Combine("data", "base-model", "base.ckpt");

    static string HashPath(string path) => path + ".sha256";

    /// <summary>Saves the weights (no optimizer state) and their SHA-256; returns the hash.</summary>
    public static string Write(DiffusionModel model, string path)
    {
        model.Save(path);
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
        File.WriteAllText(HashPath(path), $"{hash}  {Path.GetFileName(path)}\n");
        return hash;
    }

    /// <summary>Any model checkpoint; the committed base model (at <see cref="DefaultPath"/>) after its SHA-256 check.</summary>
    public static DiffusionModel LoadAny(string path, TorchSharp.torch.Device? device = null) =>
        Path.GetFullPath(IO.BundledData.Resolve(path)) == Path.GetFullPath(IO.BundledData.Resolve(DefaultPath)) ? Load(path, device) : DiffusionModel.Load(path, device);

    /// <summary>Loads the base model after checking its SHA-256; a missing or altered file names the command that regenerates it.</summary>
    public static DiffusionModel Load(string? path = null, TorchSharp.torch.Device? device = null)
    {
        path = IO.BundledData.Resolve(path ?? DefaultPath);
        if (!File.Exists(path) || !File.Exists(HashPath(path)))
            throw new CheckpointException(path, $"the base model is missing; regenerate it with: {RegenerateCommand}");
        var expected = File.ReadAllText(HashPath(path)).Split(' ', 2)[0].Trim();
        var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
        if (actual != expected)
            throw new CheckpointException(path, $"SHA-256 {actual[..12]}… does not match {Path.GetFileName(HashPath(path))} ({expected[..Math.Min(12, expected.Length)]}…); regenerate it with: {RegenerateCommand}");
        return DiffusionModel.Load(path, device);
    }
}
