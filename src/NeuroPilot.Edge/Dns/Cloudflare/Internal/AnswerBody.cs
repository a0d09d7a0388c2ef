namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>One answer's body read by <see cref="AnswerReader"/>: its bytes until disposed, or <see cref="TooLarge"/>.</summary>
internal sealed class AnswerBody : IDisposable
{
    /// <summary>The body was longer than the reader's cap: nothing was kept of it.</summary>
    public static readonly AnswerBody TooLarge = new(null, null, 0);

    private readonly AnswerReader? _reader;
    private byte[]? _buffer;

    internal AnswerBody(AnswerReader? reader, byte[]? buffer, int length)
    {
        _reader = reader;
        _buffer = buffer;
        Length = length;
    }

    public bool IsTooLarge => ReferenceEquals(this, TooLarge);

    public int Length { get; }

    /// <summary>The body's bytes; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> Span => _buffer is null ? [] : _buffer.AsSpan(0, Length);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            _reader?.Return(buffer);
        }
    }
}
