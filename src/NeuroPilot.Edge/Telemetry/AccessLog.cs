using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace NeuroPilot.Edge.Telemetry;

/// <summary>
/// The optional access log: one JSON line per proxied request, written by a background task so the request never
/// waits on disk. When the writer falls behind by more than a bounded queue, lines are dropped and counted.
/// </summary>
public sealed class AccessLog : IAsyncDisposable
{
    private readonly Channel<AccessLogEntry> _queue =
        Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(16_384) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly Stream _output;
    private readonly bool _ownsOutput;
    private readonly Task _writer;
    private long _dropped;

    public AccessLog(string path)
    {
        if (path == "-")
        {
            _output = Console.OpenStandardOutput();
        }
        else
        {
            _output = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            _ownsOutput = true;
        }

        _writer = Task.Run(WriteLoopAsync);
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Write(in AccessLogEntry entry)
    {
        if (!_queue.Writer.TryWrite(entry))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        if (_ownsOutput)
        {
            await _output.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task WriteLoopAsync()
    {
        var buffer = new MemoryStream();
        using var json = new Utf8JsonWriter(buffer);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_queue.Reader.TryRead(out var entry))
            {
                json.Reset();
                entry.WriteTo(json);
                json.Flush();
                buffer.WriteByte((byte)'\n');
            }

            try
            {
                await _output.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)).ConfigureAwait(false);
                await _output.FlushAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                Interlocked.Increment(ref _dropped);
            }

            buffer.SetLength(0);
        }
    }
}
