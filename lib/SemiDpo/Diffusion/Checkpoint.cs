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
/// <param name="ModelSha256">SHA-256 of the model section (versions 1–3; version 4 relies on the file's trailer).</param>
/// <param name="OptimizerSha256">SHA-256 of the optimizer section (versions 1–3).</param>
/// <param name="Loss">The loss of every step up to <paramref name="Step"/>, so a resumed run's log continues this one's.</param>
/// <param name="Accuracy">The implicit accuracy of every step up to <paramref name="Step"/>.</param>
/// <param name="LossStateSha256">SHA-256 of the loss-state section (version 3; null when the loss keeps no state).</param>
/// <param name="ModelBytes">Length of the model section (version 4).</param>
/// <param name="OptimizerBytes">Length of the optimizer section (version 4; 0 when none was saved).</param>
/// <param name="LossStateBytes">Length of the loss-state section (version 4).</param>
/// <param name="Keys">The state-dict entries the model section holds when it holds only some (LoRA: the adapters); null: all.</param>
public sealed record CheckpointHeader(string ConfigJson, long Step, string RngState, string? ModelSha256, string? OptimizerSha256,
    double[]? Loss = null, double[]? Accuracy = null, string? LossStateSha256 = null,
    long ModelBytes = 0, long OptimizerBytes = 0, long LossStateBytes = 0, string[]? Keys = null)
{
    /// <summary>The state of a stateful loss (<see cref="Losses.IStatefulPreferenceLoss"/>), when the checkpoint carries one.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public byte[]? LossState { get; init; }
}

/// <summary>
/// Model weights + config + step + optimizer state + torch RNG state in one file of any size, written atomically (temp
/// file in the same folder, then rename), so a crash never leaves half a checkpoint, and streamed both ways: the
/// sections go straight between the tensors and the file, hashed on the way, so a 10 GB checkpoint (SD1.5 with AdamW
/// state) is never held in memory as bytes. Version 4 layout: magic, version, model section, optimizer section,
/// loss-state section, JSON header (section lengths, config, step, RNG, log), the header's offset, an end marker, and a
/// trailer: the SHA-256 of everything before it. A load reads the header first (so a checkpoint of another config is
/// refused before any tensor is touched), then the sections in one pass, and checks the trailer at the end: a corrupt
/// file is refused, and the module it was loading into must then be discarded (callers end the run). Versions 1–3
/// (header first, section hashes; a trailer from version 2) still load, streamed the same way.
/// </summary>
public static class Checkpoint
{
    static readonly byte[] Magic = "SDPOCKPT"u8.ToArray();
    static readonly byte[] EndMarker = "SDPO-END"u8.ToArray();
    const int Version = 4;
    const int TrailerBytes = 32;
    const int FooterBytes = sizeof(long) + 8 + TrailerBytes;
    const int BufferBytes = 1 << 20;
    /// <summary>The log may hold NaN (e.g. SFT has no implicit accuracy).</summary>
    static readonly JsonSerializerOptions HeaderJson = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <param name="generator">The run's own generator, whose state is saved; null: torch's global CPU generator.</param>
    /// <param name="keys">Save only these state-dict entries (LoRA: the trained adapters); null: the whole module.</param>
    public static void Save(string path, nn.Module model, TorchSharp.Modules.OptimizerHelper? optimizer, string configJson, long step,
        (IReadOnlyList<double> Loss, IReadOnlyList<double> Accuracy)? history = null, Generator? generator = null, byte[]? lossState = null,
        IReadOnlyCollection<string>? keys = null)
    {
        using var rng = generator?.get_state() ?? get_rng_state();
        var rngState = Convert.ToBase64String(rng.data<byte>().ToArray());
        AtomicFile.Write(path, file =>
        {
            using var buffered = new BufferedStream(file, BufferBytes);
            using var hashed = new HashingStream(buffered, leaveOpen: true);
            using var writer = new BinaryWriter(hashed, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Version);
            var modelBytes = Section(writer, hashed, () =>
            {
                var state = model.state_dict();
                var wanted = keys?.ToHashSet();
                nn.Module.save_state_dict(writer, wanted is null ? state : state.Where(e => wanted.Contains(e.Key)).ToDictionary());
            });
            var optimizerBytes = optimizer is null ? 0 : Section(writer, hashed, () => optimizer.save_state_dict(writer));
            var lossStateBytes = Section(writer, hashed, () => writer.Write(lossState ?? []));
            var header = new CheckpointHeader(configJson, step, rngState, null, null, history?.Loss.ToArray(), history?.Accuracy.ToArray(),
                lossState is null ? null : Convert.ToHexStringLower(SHA256.HashData(lossState)), modelBytes, optimizerBytes, lossStateBytes,
                keys?.Order(StringComparer.Ordinal).ToArray());
            var headerOffset = hashed.Count;
            writer.Write(JsonSerializer.Serialize(header, HeaderJson));
            writer.Write(headerOffset);
            writer.Write(EndMarker);
            writer.Flush();
            buffered.Write(hashed.Digest());
        });
    }

    static long Section(BinaryWriter writer, HashingStream hashed, Action write)
    {
        writer.Flush();
        var start = hashed.Count;
        write();
        writer.Flush();
        return hashed.Count - start;
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
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferBytes);
            var (header, version) = ReadHeader(file, path);
            if (!JsonEquals(path, header.ConfigJson, expectedConfigJson))
                throw new CheckpointException(path, $"written for config {header.ConfigJson}, but this run has {expectedConfigJson}.");
            if (optimizer is not null && version >= 4 && header.OptimizerBytes == 0) throw new CheckpointException(path, "has no optimizer state to resume from.");
            file.Position = 0;
            using var hashed = new HashingStream(file, leaveOpen: true);
            using var reader = new BinaryReader(hashed, Encoding.UTF8, leaveOpen: true);
            reader.ReadBytes(Magic.Length + sizeof(int));
            if (version <= 3) reader.ReadString();
            // A section that cannot be read (torch's own checks on names, dtypes, shapes) may just be corrupt: the read goes
            // on to the hashes, which name corruption as such; only a file that matches them gets the section's own error.
            Exception? unreadable = null;
            Action<BinaryReader, long> Guarded(Action<BinaryReader, long> read) => (section, bytes) =>
            {
                try { read(section, bytes); }
                catch (Exception e) when (e is not CheckpointException) { unreadable ??= e; }
            };
            ReadSection(reader, hashed, file.Length, path, "model", version >= 4 ? header.ModelBytes : null, header.ModelSha256,
                Guarded((section, _) => LoadModel(model, section, header.Keys, path)));
            var optimizerBytes = ReadSection(reader, hashed, file.Length, path, "optimizer", version >= 4 ? header.OptimizerBytes : null, header.OptimizerSha256,
                Guarded((section, _) => { if (optimizer is not null) optimizer.load_state_dict(section); }));
            byte[] lossState = [];
            if (version >= 3)
                ReadSection(reader, hashed, file.Length, path, "loss state", version >= 4 ? header.LossStateBytes : null, header.LossStateSha256,
                    Guarded((section, bytes) => lossState = section.ReadBytes(checked((int)bytes))));
            if (version >= 2)
            {
                if (file.Length - TrailerBytes < hashed.Count) throw new CheckpointException(path, "truncated.");
                new BoundedReadStream(hashed, file.Length - TrailerBytes - hashed.Count).CopyTo(Stream.Null);   // the header and footer, hashed
                var trailer = new byte[TrailerBytes];
                file.ReadExactly(trailer);
                if (!hashed.Digest().AsSpan().SequenceEqual(trailer))
                    throw new CheckpointException(path, "corrupt or truncated: the file does not match its SHA-256 trailer.");
            }
            if (unreadable is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(unreadable);
            if (optimizer is not null)
            {
                if (optimizerBytes == 0) throw new CheckpointException(path, "has no optimizer state to resume from.");
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

    static void LoadModel(nn.Module model, BinaryReader section, string[]? keys, string path)
    {
        if (keys is null)
        {
            model.load(section);
            return;
        }
        var loaded = new Dictionary<string, bool>();
        model.load(section, strict: false, loadedParameters: loaded);
        if (keys.FirstOrDefault(k => !loaded.GetValueOrDefault(k)) is { } missing)
            throw new CheckpointException(path, $"holds '{missing}', which this model does not have.");
    }

    /// <summary>The header alone (config, step), without loading tensors.</summary>
    public static CheckpointHeader ReadHeader(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, "no such checkpoint.");
        try
        {
            using var file = File.OpenRead(path);
            return ReadHeader(file, path).Header;
        }
        catch (EndOfStreamException)
        {
            throw new CheckpointException(path, "truncated.");
        }
    }

    static (CheckpointHeader Header, int Version) ReadHeader(FileStream file, string path)
    {
        using var reader = new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
        if (!reader.ReadBytes(Magic.Length).SequenceEqual(Magic)) throw new CheckpointException(path, "not a Semi-DPO checkpoint (bad magic).");
        var version = reader.ReadInt32();
        if (version is < 1 or > Version) throw new CheckpointException(path, $"format version {version}, this build reads 1 to {Version}.");
        if (version >= 4)
        {
            if (file.Length < Magic.Length + sizeof(int) + FooterBytes) throw new CheckpointException(path, "truncated.");
            file.Position = file.Length - FooterBytes;
            var headerOffset = reader.ReadInt64();
            if (!reader.ReadBytes(EndMarker.Length).SequenceEqual(EndMarker) || headerOffset < Magic.Length + sizeof(int) || headerOffset >= file.Length - FooterBytes)
                throw new CheckpointException(path, "truncated or corrupt: no end marker.");
            file.Position = headerOffset;
        }
        try
        {
            return (JsonSerializer.Deserialize<CheckpointHeader>(reader.ReadString(), HeaderJson) ?? throw new CheckpointException(path, "empty header."), version);
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException or FormatException)
        {
            throw new CheckpointException(path, "corrupt header.");
        }
    }

    /// <summary>
    /// Reads one section through <paramref name="read"/>, which sees exactly the section's bytes (a bounded view of the
    /// file), hashed on the way; whatever it leaves unread is still read and hashed. Versions 1–3 prefix the length
    /// (<paramref name="length"/> null) and carry the section's SHA-256.
    /// </summary>
    static long ReadSection(BinaryReader reader, HashingStream hashed, long fileLength, string path, string name, long? length, string? sha256,
        Action<BinaryReader, long> read)
    {
        var bytes = length ?? reader.ReadInt64();
        if (bytes < 0 || bytes > fileLength - hashed.Count) throw new CheckpointException(path, $"truncated in the {name} section.");
        using var bounded = new BoundedReadStream(hashed, bytes);
        using var section = new HashingStream(bounded, leaveOpen: true);
        using (var sectionReader = new BinaryReader(section, Encoding.UTF8, leaveOpen: true)) read(sectionReader, bytes);
        section.CopyTo(Stream.Null);
        if (sha256 is not null && Convert.ToHexStringLower(section.Digest()) != sha256)
            throw new CheckpointException(path, "corrupt: a section does not match its SHA-256.");
        return bytes;
    }

    /// <summary>Whether the stored config equals the run's; a stored config that is not JSON (a damaged byte inside it) is a corrupt file.</summary>
    static bool JsonEquals(string path, string stored, string expected)
    {
        string storedCanonical;
        try { storedCanonical = JsonSerializer.Serialize(JsonDocument.Parse(stored).RootElement); }
        catch (JsonException) { throw new CheckpointException(path, "corrupt: its stored run config is not valid JSON."); }
        return storedCanonical == JsonSerializer.Serialize(JsonDocument.Parse(expected).RootElement);
    }
}
