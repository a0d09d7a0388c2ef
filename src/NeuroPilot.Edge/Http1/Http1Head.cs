using System.Buffers;
using NeuroPilot.Edge.Http1.Internal;

namespace NeuroPilot.Edge.Http1;

/// <summary>
/// A parsed head, made to be reused connection after connection (pool it with the connection): the head's bytes
/// are copied once into a buffer rented from <see cref="ArrayPool{T}.Shared"/>, and the fields are offsets into it,
/// so parsing a head of a size seen before allocates nothing. <see cref="Dispose"/> returns the buffer.
/// </summary>
public abstract class Http1Head : IDisposable
{
    private const int InitialFieldCapacity = 16;

    private byte[] _buffer = [];
    private int _length;
    private Http1Field[] _fields = new Http1Field[InitialFieldCapacity];
    private int _fieldCount;

    /// <summary>The whole head as received: start line, field lines and the final empty line, CRLFs included.</summary>
    public ReadOnlySpan<byte> Raw => _buffer.AsSpan(0, _length);

    public int FieldCount => _fieldCount;

    /// <summary>1 for HTTP/1.1, 0 for HTTP/1.0.</summary>
    public int VersionMinor { get; private protected set; }

    public Http1BodyKind BodyKind { get; private protected set; }

    /// <summary>The body's length when <see cref="BodyKind"/> is <see cref="Http1BodyKind.ContentLength"/>, else 0.</summary>
    public long ContentLength { get; private protected set; }

    /// <summary>Whether the connection may carry another message after this one (RFC 9112 §9.3).</summary>
    public bool KeepAlive { get; private protected set; }

    public Http1Field FieldAt(int index) =>
        (uint)index < (uint)_fieldCount ? _fields[index] : throw new ArgumentOutOfRangeException(nameof(index));

    public ReadOnlySpan<byte> NameAt(int index)
    {
        var field = FieldAt(index);
        return Raw.Slice(field.NameStart, field.NameLength);
    }

    public ReadOnlySpan<byte> ValueAt(int index)
    {
        var field = FieldAt(index);
        return Raw.Slice(field.ValueStart, field.ValueLength);
    }

    /// <summary>The index of the first field of that kind at or after <paramref name="start"/>, or -1.</summary>
    public int IndexOf(Http1KnownHeader known, int start = 0)
    {
        for (var i = start; i < _fieldCount; i++)
        {
            if (_fields[i].Known == known)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Forgets the last head; the buffer and the field array are kept for the next one.</summary>
    public virtual void Reset()
    {
        _length = 0;
        _fieldCount = 0;
        VersionMinor = 0;
        BodyKind = Http1BodyKind.None;
        ContentLength = 0;
        KeepAlive = false;
    }

    /// <summary>How many bytes the buffer holds (what this head keeps between messages).</summary>
    internal int BufferCapacity => _buffer.Length;

    /// <summary>
    /// Forgets the last head and gives a buffer over <paramref name="maxKeptBytes"/> back to the pool: an object kept
    /// between messages (a pooled upstream connection) holds at most that much after one large head.
    /// </summary>
    public void Shrink(int maxKeptBytes)
    {
        Reset();
        if (_buffer.Length > maxKeptBytes)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    public void Dispose()
    {
        Reset();
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Copies the head's bytes into the buffer, growing it when the head is larger than any before.</summary>
    internal ReadOnlySpan<byte> Load(in ReadOnlySequence<byte> head)
    {
        Reset();
        var length = checked((int)head.Length);
        if (_buffer.Length < length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1024));
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = larger;
        }

        head.CopyTo(_buffer);
        _length = length;
        return Raw;
    }

    /// <summary>
    /// Parses the field lines from <paramref name="offset"/> to the final empty line (RFC 9112 §5); the scanner has
    /// already checked that every LF follows a CR. Returns why the head is refused, or null.
    /// </summary>
    internal string? ParseFields(int offset)
    {
        while (true)
        {
            var lf = Raw[offset..].IndexOf(FieldSyntax.Lf);
            if (lf == 1)
            {
                return null;
            }

            var reason = AddField(offset, Raw.Slice(offset, lf - 1));
            if (reason is not null)
            {
                return reason;
            }

            offset += lf + 1;
        }
    }

    private string? AddField(int start, ReadOnlySpan<byte> line)
    {
        var problem = FieldSyntax.ParseFieldLine(line, out var colon, out var valueOffset, out var valueLength);
        if (problem is not null)
        {
            return problem;
        }

        if (_fieldCount == _fields.Length)
        {
            Array.Resize(ref _fields, _fields.Length * 2);
        }

        _fields[_fieldCount++] = new Http1Field(start, colon, start + valueOffset, valueLength, KnownHeaders.Classify(line[..colon]));
        return null;
    }
}
