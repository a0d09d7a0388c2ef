using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using NeuroPilot.Edge.Http1;

namespace NeuroPilot.Edge.Forwarding.Internal;

/// <summary>
/// One keep-alive connection to a destination: Kestrel's socket transport (the same pipes and memory pool as the
/// client leg), the strict response parser with its reusable head and chunked decoder, and the strings of the
/// response fields it sent last (an upstream sends the same fields in the same order: they are made once, not per
/// response). Used by one request at a time; goes back to its pool only after a cleanly framed response.
/// </summary>
internal sealed class UpstreamConnection
{
    // The exchange state: Idle, Busy, or why a busy exchange was cancelled (a CancelReason above Busy).
    private const int Idle = 0;
    private const int Busy = 1;

    private readonly ConnectionContext _transport;
    private readonly TimeProvider _time;
    private int _state;
    private long _heardAt;
    private TimeSpan _activityTimeout;

    public UpstreamConnection(ConnectionContext transport, TimeProvider time)
    {
        _transport = transport;
        _time = time;
        Input = transport.Transport.Input;
        Output = transport.Transport.Output;
    }

    /// <summary>Why the exchange in flight was cut short (<see cref="Cancel"/>); <see cref="CancelReason.None"/> when it was not.</summary>
    public CancelReason Cancelled => Volatile.Read(ref _state) is var state && state > Busy ? (CancelReason)state : CancelReason.None;

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public Http1ResponseParser Parser { get; } = new();

    public Http1ResponseHead Head { get; } = new();

    public Http1ChunkedDecoder Chunked { get; } = new();

    public FieldStrings Strings { get; } = new();

    /// <summary>The most head bytes a connection keeps while idle (a larger head's buffer goes back to the pool).</summary>
    internal const int MaxKeptHeadBytes = 4096;

    /// <summary>When it went back to the pool (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long IdleSince { get; set; }


    /// <summary>
    /// An exchange starts on this connection; the upstream may stay silent for <paramref name="activityTimeout"/> at
    /// most (checked by the pool's sweep, a quarter of a second at a time: no timer is touched per request).
    /// </summary>
    public void Begin(TimeSpan activityTimeout)
    {
        Parser.Reset();
        Head.Reset();
        Chunked.Reset();
        _activityTimeout = activityTimeout;
        Heard();
        Volatile.Write(ref _state, Busy);
    }

    /// <summary>The upstream was heard from (or sent to): its silence is counted from now.</summary>
    public void Heard() => Volatile.Write(ref _heardAt, _time.GetTimestamp());

    /// <summary>Cancels the exchange in flight when the upstream has been silent past its activity timeout.</summary>
    public void CancelIfSilent()
    {
        if (Volatile.Read(ref _state) == Busy && _time.GetElapsedTime(Volatile.Read(ref _heardAt)) > _activityTimeout)
        {
            Cancel(CancelReason.Activity);
        }
    }

    /// <summary>
    /// The exchange ended; false when it was cancelled at any point (the pipe may hold a pending cancellation, so the
    /// connection must not carry another request).
    /// </summary>
    public bool End() => Interlocked.Exchange(ref _state, Idle) == Busy;

    /// <summary>Stops the exchange in flight, if one is: its pending read and flush return cancelled, and it reads <see cref="Cancelled"/>.</summary>
    public void Cancel(CancelReason reason)
    {
        if (Interlocked.CompareExchange(ref _state, (int)reason, Busy) == Busy)
        {
            Input.CancelPendingRead();
            Output.CancelPendingFlush();
        }
    }

    /// <summary>
    /// Whether a pooled connection can carry a request: the destination has not closed it and has sent nothing
    /// while it was idle (bytes without a request are a broken upstream: the connection is dropped).
    /// </summary>
    public bool LooksUsable()
    {
        if (!Input.TryRead(out var result))
        {
            return true;
        }

        Input.AdvanceTo(result.Buffer.Start);
        return !result.IsCompleted && !result.IsCanceled && result.Buffer.IsEmpty;
    }

    /// <summary>Closes the socket; never throws.</summary>
    public void Close()
    {
        _transport.Abort();
        _ = DisposeQuietlyAsync(_transport);
    }

    private static async Task DisposeQuietlyAsync(ConnectionContext transport)
    {
        try
        {
            await transport.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // Closing a connection the upstream already broke: nothing to report.
        }
    }
}

/// <summary>Why an exchange was stopped from outside.</summary>
internal enum CancelReason
{
    None = 0,

    /// <summary>The attempt's per-try timeout passed without response headers.</summary>
    PerTry = 2,

    /// <summary>The client went away.</summary>
    ClientAborted,

    /// <summary>The upstream stayed silent longer than the service's <c>RequestTimeout</c>.</summary>
    Activity,

    /// <summary>Sending the client's body failed (the client, or the upstream stopped reading it).</summary>
    RequestBody,
}
