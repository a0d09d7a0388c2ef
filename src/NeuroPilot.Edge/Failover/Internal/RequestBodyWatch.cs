
namespace NeuroPilot.Edge.Failover.Internal;

/// <summary>
/// Stands in for the client's request body while a request is forwarded and tells the attempt when the body has
/// been read to its end (the forwarder reads until a read returns 0, after it has written the last bytes upstream).
/// One per pooled <see cref="ForwardAttempt"/>, attached per request: no allocation per request. Seeking (the replay
/// of a buffered body) passes through to the stream underneath.
/// </summary>
internal sealed class RequestBodyWatch(ForwardAttempt attempt) : Stream
{
    private HttpRequest? _request;
    private Stream _inner = Null;
    private long _limit = long.MaxValue;
    private long _read;

    public override bool CanRead => _inner.CanRead;

    public override bool CanSeek => _inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => _inner.Length;

    public override long Position
    {
        get => _inner.Position;
        set => _inner.Position = value;
    }

    public void Attach(HttpRequest request, long? maxBytes)
    {
        _request = request;
        _inner = request.Body;
        _limit = maxBytes ?? long.MaxValue;
        _read = 0;
        request.Body = this;
    }

    /// <summary>Gives the request its own body back (pool return).</summary>
    public void Detach()
    {
        if (_request is { } request && ReferenceEquals(request.Body, this))
        {
            request.Body = _inner;
        }

        _request = null;
        _inner = Null;
        _limit = long.MaxValue;
        _read = 0;
    }

    public override int Read(byte[] buffer, int offset, int count) => Seen(_inner.Read(buffer, offset, count), count);

    public override int Read(Span<byte> buffer) => Seen(_inner.Read(buffer), buffer.Length);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = _inner.ReadAsync(buffer, cancellationToken);
        return read.IsCompletedSuccessfully ? new ValueTask<int>(Seen(read.Result, buffer.Length)) : AwaitRead(read, buffer.Length);
    }

    public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private async ValueTask<int> AwaitRead(ValueTask<int> read, int asked) => Seen(await read, asked);

    private int Seen(int read, int asked)
    {
        if (read == 0 && asked > 0)
        {
            attempt.OnRequestBodySent();
        }
        else if (!CanSeek && (_read += read) > _limit)
        {
            // A seekable body is a replay buffer of a declared length, already held to the limit before forwarding;
            // a streamed (chunked) one is counted here as it goes.
            attempt.OnBodyTooLarge();
            throw new IOException("The request body is larger than the service's MaxRequestBodySize.");
        }

        return read;
    }
}
