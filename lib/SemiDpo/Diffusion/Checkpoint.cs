using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SemiDpo.IO;
using static TorchSharp.torch;

namespace SemiDpo.Diffusion;

/// <summary>A checkpoint that cannot be used; the message says why and where.</summary>
public sealed class CheckpointException(string path, string message) : Exception($"{path}: {message}")
{
    public string Path { get; } = path;
}

/// <summary>What a checkpoint carries besides the tensors.</summary>
/// <param name="ConfigJson">The run's config record as JSON; a load compares it with the current run's.</param>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="RngState">torch's CPU generator state (base64), restored on resume.</param>
/// <param name="ModelSha256">SHA-256 of the model section.</param>
/// <param name="OptimizerSha256">SHA-256 of the optimizer section (of zero bytes when none was saved).</param>
/// <param name="Loss">The loss of every step up to <paramref name="Step"/>, so a resumed run's log continues this one's.</param>
/// <param name="Accuracy">The implicit accuracy of every step up to <paramref name="Step"/>.</param>
/// <param name="LossStateSha256">SHA-256 of the loss-state section (version 3; null when the loss keeps no state).</param>
public sealed record CheckpointHeader(string ConfigJson, long Step, string RngState, string ModelSha256, string OptimizerSha256,
    double[]? Loss = null, double[]? Accuracy = null, string? LossStateSha256 = null)
{
    /// <summary>The state of a stateful loss (<see cref="Losses.IStatefulPreferenceLoss"/>), when the checkpoint carries one.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public byte[]? LossState { get; init; }
}

/// <summary>
/// Model weights + config + step + optimizer state + torch RNG state in one file, written atomically (temp file in
/// the same folder, then rename), so a crash never leaves half a checkpoint. Layout: magic, version, JSON header,
/// model bytes, optimizer bytes; each byte section is checked against its SHA-256 on load. Version 2 adds a trailer,
/// the SHA-256 of everything before it, so a flipped bit in the header (step, RNG state, log) is caught too;
/// version 1 files (no trailer) still load. Version 3 adds a section after the optimizer's for the state of a
/// stateful loss (Adaptive-DPO's moving averages); versions 1 and 2 still load.
/// </summary>
public static class Checkpoint
{
    static readonly byte[] Magic = "SDPOCKPT"u8.ToArray();
    const int Version = 3;
    const int TrailerBytes = 32;
    /// <summary>The log may hold NaN (e.g. SFT has no implicit accuracy).</summary>
    static readonly JsonSerializerOptions HeaderJson = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <param name="generator">The run's own generator, whose state is saved; null: torch's global CPU generator.</param>
    public static void Save(string path, nn.Module model, TorchSharp.Modules.OptimizerHelper? optimizer, string configJson, long step,
        (IReadOnlyList<double> Loss, IReadOnlyList<double> Accuracy)? history = null, Generator? generator = null, byte[]? lossState = null)
    {
        var modelBytes = Serialize(w => model.save(w));
        var optimizerBytes = optimizer is null ? [] : Serialize(w => optimizer.save_state_dict(w));
        using var rng = generator?.get_state() ?? get_rng_state();
        var header = new CheckpointHeader(configJson, step, Convert.ToBase64String(rng.data<byte>().ToArray()),
            Sha256(modelBytes), Sha256(optimizerBytes), history?.Loss.ToArray(), history?.Accuracy.ToArray(),
            lossState is null ? null : Sha256(lossState));

        var body = Serialize(writer =>
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(JsonSerializer.Serialize(header, HeaderJson));
            writer.Write((long)modelBytes.Length);
            writer.Write(modelBytes);
            writer.Write((long)optimizerBytes.Length);
            writer.Write(optimizerBytes);
            writer.Write((long)(lossState?.Length ?? 0));
            writer.Write(lossState ?? []);
        });
        AtomicFile.Write(path, stream =>
        {
            stream.Write(body);
            stream.Write(SHA256.HashData(body));
        });
    }

    /// <summary>
    /// Restores weights (and optimizer state and RNG state, when given an optimizer) from <paramref name="path"/>;
    /// refuses a file that is corrupt, from another format version, or written for a different config.
    /// </summary>
    /// <param name="generator">The run's own generator, which gets the saved state; null: torch's global CPU generator.</param>
    public static CheckpointHeader Load(string path, nn.Module model, TorchSharp.Modules.OptimizerHelper? optimizer, string expectedConfigJson,
        Generator? generator = null)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, "no such checkpoint.");
        try
        {
            var bytes = File.ReadAllBytes(path);
            using var stream = new MemoryStream(bytes);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            var (header, version) = ReadHeader(reader, path);
            if (version >= 2 && (bytes.Length < TrailerBytes
                || !SHA256.HashData(bytes.AsSpan(0, bytes.Length - TrailerBytes)).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - TrailerBytes))))
                throw new CheckpointException(path, "corrupt or truncated: the file does not match its SHA-256 trailer.");
            if (!JsonEquals(header.ConfigJson, expectedConfigJson))
                throw new CheckpointException(path, $"written for config {header.ConfigJson}, but this run has {expectedConfigJson}.");
            var modelBytes = ReadSection(reader, path, "model");
            var optimizerBytes = ReadSection(reader, path, "optimizer");
            var lossState = version >= 3 ? ReadSection(reader, path, "loss state") : [];
            if (Sha256(modelBytes) != header.ModelSha256 || Sha256(optimizerBytes) != header.OptimizerSha256
                || (header.LossStateSha256 is not null && Sha256(lossState) != header.LossStateSha256))
                throw new CheckpointException(path, "corrupt: a section does not match its SHA-256.");
            using (var modelReader = new BinaryReader(new MemoryStream(modelBytes))) model.load(modelReader);
            if (optimizer is not null)
            {
                if (optimizerBytes.Length == 0) throw new CheckpointException(path, "has no optimizer state to resume from.");
                using var optimizerReader = new BinaryReader(new MemoryStream(optimizerBytes));
                optimizer.load_state_dict(optimizerReader);
                using var state = tensor(Convert.FromBase64String(header.RngState));
                if (generator is null) set_rng_state(state);
                else generator.set_state(state);
            }
            return header.LossStateSha256 is null ? header : header with { LossState = lossState };
        }
        catch (EndOfStreamException)
        {
            throw new CheckpointException(path, "truncated.");
        }
    }

    /// <summary>The header alone (config, step), without loading tensors.</summary>
    public static CheckpointHeader ReadHeader(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, "no such checkpoint.");
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            return ReadHeader(reader, path).Header;
        }
        catch (EndOfStreamException)
        {
            throw new CheckpointException(path, "truncated.");
        }
    }

    static (CheckpointHeader Header, int Version) ReadHeader(BinaryReader reader, string path)
    {
        if (!reader.ReadBytes(Magic.Length).SequenceEqual(Magic)) throw new CheckpointException(path, "not a Semi-DPO checkpoint (bad magic).");
        var version = reader.ReadInt32();
        if (version is < 1 or > Version) throw new CheckpointException(path, $"format version {version}, this build reads 1 to {Version}.");
        try
        {
            return (JsonSerializer.Deserialize<CheckpointHeader>(reader.ReadString(), HeaderJson) ?? throw new CheckpointException(path, "empty header."), version);
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException or FormatException)
        {
            throw new CheckpointException(path, "corrupt header.");
        }
    }

    static byte[] ReadSection(BinaryReader reader, string path, string name)
    {
        var length = reader.ReadInt64();
        if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
            throw new CheckpointException(path, $"truncated in the {name} section.");
        return reader.ReadBytes((int)length);
    }

    static byte[] Serialize(Action<BinaryWriter> write)
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true)) write(writer);
        return memory.ToArray();
    }

    static bool JsonEquals(string a, string b) =>
        JsonSerializer.Serialize(JsonDocument.Parse(a).RootElement) == JsonSerializer.Serialize(JsonDocument.Parse(b).RootElement);

    static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
