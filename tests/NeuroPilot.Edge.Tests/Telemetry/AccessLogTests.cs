using Microsoft.Extensions.Logging.Abstractions;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Tests.Telemetry;

/// <summary>The access log queue: bounded by bytes as well as lines, drops counted in the metric.</summary>
public sealed class AccessLogTests
{
    [Fact]
    public async Task Write_WriterStalledAndLongPaths_QueueStaysUnderTheByteBoundAndDropsAreCounted()
    {
        var metrics = new EdgeMetrics(EdgeMetrics.CreateRegistry());
        var output = new StalledStream();
        var accessLog = new AccessLog(output, path: null, metrics.AccessLogDropped, NullLogger.Instance);
        var path = "/" + new string('a', 8 * 1024);

        // As many lines as the line bound allows, each holding an 8 KB path (16 KiB as .NET strings).
        for (var i = 0; i < AccessLog.MaxQueuedLines; i++)
        {
            accessLog.Write(Entry(path));
        }

        var queued = accessLog.QueuedBytes;
        var dropped = accessLog.Dropped;
        output.Release();
        await accessLog.DisposeAsync();

        Assert.True(queued <= AccessLog.MaxQueuedBytes, $"{queued / 1024 / 1024} MiB queued, above the {AccessLog.MaxQueuedBytes / 1024 / 1024} MiB bound");
        Assert.True(dropped > AccessLog.MaxQueuedLines / 2, $"only {dropped} of {AccessLog.MaxQueuedLines} lines dropped");
        Assert.Equal(dropped, metrics.AccessLogDropped.Value);
    }

    private static AccessLogEntry Entry(string path) =>
        new(DateTimeOffset.UnixEpoch, "GET", "api.example.com", path, 200, 1.5, "api", "us-east", "http://10.0.0.1:8080", "192.0.2.1", null, null);

    /// <summary>A disk that does not answer: every write waits until <see cref="Release"/>.</summary>
    private sealed class StalledStream : Stream
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Release() => _released.TrySetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => await _released.Task;

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
