using System.Buffers.Binary;
using System.Numerics;

namespace SemiDpo.Tests.Training;

/// <summary>
/// Reads TensorBoard event files as TensorBoard does: TFRecord framing (length, masked CRC-32C of the length, data, masked
/// CRC-32C of the data), each record a tensorboard Event; a wrong checksum fails.
/// </summary>
static class TensorBoardEvents
{
    public static List<Tensorboard.Event> Read(string folder) =>
        Directory.GetFiles(folder, "events.out.tfevents.*").Order().SelectMany(ReadFile).ToList();

    /// <summary>(step, value) of every scalar with this tag, in file order.</summary>
    public static List<(long Step, float Value)> Scalars(IEnumerable<Tensorboard.Event> events, string tag) =>
        events.Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value.Where(v => v.Tag == tag).Select(v => (e.Step, v.SimpleValue))).ToList();

    static IEnumerable<Tensorboard.Event> ReadFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var position = 0;
        while (position < bytes.Length)
        {
            var header = bytes.AsSpan(position, 8);
            Assert.Equal(MaskedCrc(header), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position + 8, 4)));
            var length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(header));
            var data = bytes.AsSpan(position + 12, length);
            Assert.Equal(MaskedCrc(data), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position + 12 + length, 4)));
            yield return Tensorboard.Event.Parser.ParseFrom(data.ToArray());
            position += 12 + length + 4;
        }
    }

    /// <summary>TFRecord's masked CRC-32C: rotate right by 15, plus 0xa282ead8.</summary>
    static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        var crc = ~0u;
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        crc = ~crc;
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8);
    }
}
