using System.Buffers.Binary;
using System.IO.Compression;
using CsCheck;
using SemiDpo.Imaging;

namespace SemiDpo.Tests.Imaging;

public class PngEncoderTests
{
    /// <summary>Reads back what <see cref="PngEncoder"/> writes: size from IHDR, pixels from the inflated IDAT rows.</summary>
    static RgbImage Decode(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
        var height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        var idatLength = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(33));
        Assert.Equal("IDAT"u8.ToArray(), png[37..41]);
        using var zlib = new ZLibStream(new MemoryStream(png, 41, idatLength), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        var rows = raw.ToArray();
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            Assert.Equal(0, rows[y * (width * 3 + 1)]);
            Array.Copy(rows, y * (width * 3 + 1) + 1, pixels, y * width * 3, width * 3);
        }
        return new RgbImage(width, height, pixels);
    }

    [Fact]
    public void Encode_ThenDecode_GivesBackEveryPixel()
    {
        Gen.Int[1, 20].Select(Gen.Int[1, 20]).SelectMany((w, h) => Gen.Byte.Array[w * h * 3].Select(p => new RgbImage(w, h, p)))
            .Sample(image =>
            {
                var back = Decode(PngEncoder.Encode(image));
                return back.Width == image.Width && back.Height == image.Height && back.Pixels.SequenceEqual(image.Pixels);
            }, iter: 200);
    }

    [Fact]
    public void Encode_IsDeterministic()
    {
        var image = new RgbImage(4, 2, Enumerable.Range(0, 24).Select(i => (byte)(i * 10)).ToArray());
        Assert.Equal(PngEncoder.Encode(image), PngEncoder.Encode(image));
    }
}
