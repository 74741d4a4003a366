using System.Security.Cryptography;

namespace SemiDpo.IO;

/// <summary>
/// A stream that passes reads or writes through to another and keeps the SHA-256 of every byte that went by, and the
/// count, so a file of any size is hashed while it is written or read, without a second pass and without holding it.
/// </summary>
public sealed class HashingStream(Stream inner, bool leaveOpen = false) : Stream
{
    readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Bytes that went through so far.</summary>
    public long Count { get; private set; }

    /// <summary>SHA-256 of the bytes so far (the stream goes on hashing).</summary>
    public byte[] Digest() => hash.GetCurrentHash();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        hash.AppendData(buffer[..read]);
        Count += read;
        return read;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        hash.AppendData(buffer);
        Count += buffer.Length;
    }

    public override void Flush() => inner.Flush();
    public override bool CanRead => inner.CanRead;
    public override bool CanWrite => inner.CanWrite;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Count; set => throw new NotSupportedException("A hashing stream goes forward only."); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A hashing stream goes forward only.");
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hash.Dispose();
            if (!leaveOpen) inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
