using System.Text.Json;
using System.Threading.Channels;
using NeuroPilot.Edge.Configuration.Internal;
using Prometheus;

namespace NeuroPilot.Edge.Telemetry;

/// <summary>
/// The optional access log: one JSON line per proxied request, written by a background task so the request never
/// waits on disk. The queue is bounded twice, by lines (<see cref="MaxQueuedLines"/>) and by the bytes its entries
/// hold (<see cref="MaxQueuedBytes"/>: 16,384 entries of 8 KB paths would otherwise pin hundreds of MB); beyond
/// either, lines are dropped (never the request) and counted in <c>neuropilot_edge_access_log_dropped_total</c>.
/// A file log is reopened on <see cref="Reopen"/> (SIGUSR1, after logrotate renamed it), as nginx does.
/// </summary>
public sealed partial class AccessLog : IAsyncDisposable
{
    public const int MaxQueuedLines = 16_384;

    /// <summary>16 MiB of queued entries (strings counted at two bytes a character).</summary>
    public const long MaxQueuedBytes = 16 * 1024 * 1024;

    private readonly Channel<AccessLogEntry> _queue =
        Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(MaxQueuedLines) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly string? _path;
    private readonly long _maxQueuedBytes;
    private readonly Counter? _droppedCounter;
    private readonly ILogger _logger;
    private readonly Task _writer;
    private Stream _output;
    private Stream? _reopened;
    private long _queuedBytes;
    private long _dropped;

    /// <summary>
    /// Wraps an open output: <paramref name="path"/> is the file it was opened from (reopened by
    /// <see cref="Reopen"/>), or null for standard output.
    /// </summary>
    public AccessLog(Stream output, string? path, Counter? dropped, ILogger logger)
        : this(output, path, dropped, logger, MaxQueuedBytes)
    {
    }

    internal AccessLog(Stream output, string? path, Counter? dropped, ILogger logger, long maxQueuedBytes)
    {
        _output = output;
        _path = path;
        _droppedCounter = dropped;
        _logger = logger;
        _maxQueuedBytes = maxQueuedBytes;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Lines dropped so far (queue full or write failed).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Bytes held by queued entries now.</summary>
    internal long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    public void Write(in AccessLogEntry entry)
    {
        var size = entry.QueuedBytes;
        if (Interlocked.Add(ref _queuedBytes, size) > _maxQueuedBytes || !_queue.Writer.TryWrite(entry))
        {
            Interlocked.Add(ref _queuedBytes, -size);
            Drop(1);
        }
    }

    /// <summary>
    /// Opens the path again and writes the next lines there; the old file is closed once the writer switches.
    /// When the path cannot be opened, the log says why and lines keep going to the old file.
    /// </summary>
    public void Reopen()
    {
        if (_path is null)
        {
            return;
        }

        Stream next;
        try
        {
            next = UnixFile.OpenForAppend(_path);
        }
        catch (IOException e)
        {
            LogReopenFailed(_path, e.Message);
            return;
        }

        Interlocked.Exchange(ref _reopened, next)?.Dispose();
        LogReopened(_path);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
        if (_path is not null)
        {
            await _output.DisposeAsync();
        }

        if (Interlocked.Exchange(ref _reopened, null) is { } pending)
        {
            await pending.DisposeAsync();
        }
    }

    private void Drop(long lines)
    {
        Interlocked.Add(ref _dropped, lines);
        _droppedCounter?.Inc(lines);
    }

    private async Task WriteLoopAsync()
    {
        var buffer = new MemoryStream();
        using var json = new Utf8JsonWriter(buffer);
        while (await _queue.Reader.WaitToReadAsync())
        {
            var lines = 0;
            long bytes = 0;
            while (buffer.Length < 1024 * 1024 && _queue.Reader.TryRead(out var entry))
            {
                json.Reset();
                entry.WriteTo(json);
                json.Flush();
                buffer.WriteByte((byte)'\n');
                lines++;
                bytes += entry.QueuedBytes;
            }

            Interlocked.Add(ref _queuedBytes, -bytes);
            if (Interlocked.Exchange(ref _reopened, null) is { } reopened)
            {
                await _output.DisposeAsync();
                _output = reopened;
            }

            try
            {
                await _output.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
                await _output.FlushAsync();
            }
            catch (IOException)
            {
                Drop(lines);
            }

            buffer.SetLength(0);
        }
    }
}
