namespace SemiDpo.IO;

/// <summary>
/// The next <c>length</c> bytes of another stream as a stream of their own: reads stop at the bound (a reader that
/// wants more than the section holds meets its end), and the inner stream is left open and positioned after them.
/// </summary>
public sealed class BoundedReadStream(Stream inner, long length) : Stream
{
    readonly long total = length;
    long remaining = length;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (remaining <= 0) return 0;
        var read = inner.Read(buffer[..(int)Math.Min(buffer.Length, remaining)]);
        if (read == 0) throw new EndOfStreamException($"{remaining} bytes of the section are missing.");
        remaining -= read;
        return read;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => total;
    public override long Position { get => total - remaining; set => throw new NotSupportedException("A bounded stream goes forward only."); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A bounded stream goes forward only.");
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
