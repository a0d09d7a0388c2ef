using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Health;
using NeuroPilot.Edge.Health.Internal;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Tests.Health.Internal;

/// <summary>
/// A probe target with the real prober over its kept connection to a loopback server, the scheduler on a fake clock:
/// a probe over its timeout closes the connection and fails as timed out, and between probes the target keeps neither
/// a task nor a cancellation source (10,000 destinations keep 10,000 targets).
/// </summary>
public sealed class ProbeTargetTests : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private static readonly HealthCheckOptions Options = ProbeTestOptions.Standard;

    private readonly FakeTimeProvider _time = new();
    private readonly ProbeScheduler _scheduler;
    private readonly Prober _prober;
    private readonly ConcurrentQueue<ProbeResult> _results = new();

    public ProbeTargetTests()
    {
        _scheduler = new ProbeScheduler(_time);
        _prober = new Prober(_time);
    }

    public async ValueTask DisposeAsync()
    {
        _scheduler.Dispose();
        _prober.Dispose();
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Probe_OverItsTimeoutOnTheKeptConnection_ClosesItAndFailsAsTimedOut()
    {
        await using var server = new LoopbackServer(answer: false);
        using var target = Target(server);
        target.Start();
        await FirstProbeAsync(() => server.Requests > 0, "the probe's request");

        Advance(Options.Timeout + ProbeScheduler.Resolution);

        await Eventually.WaitUntilAsync(() => !_results.IsEmpty, Deadline, "the probe's result");
        var result = Assert.Single(_results);
        Assert.False(result.Healthy);
        Assert.Equal("timed out after 2 s", result.Detail);
        await Eventually.WaitUntilAsync(() => server.Closed > 0, Deadline, "the probe's connection closed");
        AssertHoldsNoTaskOrCancellationSource(target);
    }

    [Fact]
    public async Task Probe_Answered_TheTargetKeepsNoTaskOrCancellationSourceOfIt()
    {
        await using var server = new LoopbackServer(answer: true);
        using var target = Target(server);
        target.Start();
        await FirstProbeAsync(() => !_results.IsEmpty, "the probe's result");

        Assert.Equal("HTTP 200", Assert.Single(_results).Detail);
        AssertHoldsNoTaskOrCancellationSource(target);
        await target.StopAsync().WaitAsync(Deadline);
    }

    [Fact]
    public async Task StopAsync_WhileAProbeWaitsOnTheKeptConnection_ClosesItDropsTheResultAndCompletes()
    {
        await using var server = new LoopbackServer(answer: false);
        var target = Target(server);
        target.Start();
        await FirstProbeAsync(() => server.Requests > 0, "the probe's request");

        await target.StopAsync().WaitAsync(Deadline);

        await Eventually.WaitUntilAsync(() => server.Closed > 0, Deadline, "the probe's connection closed");
        Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(_results);
        Assert.Equal(1, server.Accepted);
    }

    /// <summary>
    /// What the target holds of its own (not the prober, scheduler or clock every target shares, nor the socket's
    /// runtime internals) has no task and no cancellation source once the probe is over.
    /// </summary>
    private static void AssertHoldsNoTaskOrCancellationSource(ProbeTarget target)
    {
        var held = OwnObjects(target).Where(o => o is Task or CancellationTokenSource).Select(o => o.GetType().Name).ToList();
        Assert.True(held.Count == 0, $"the target holds {string.Join(", ", held)}");
    }

    private static List<object> OwnObjects(object root)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object>([root]);
        while (pending.TryPop(out var item) && seen.Count < 10_000)
        {
            if (item is Prober or ProbeScheduler or TimeProvider or Delegate or MemberInfo or string ||
                item.GetType().Namespace?.StartsWith("System.Net", StringComparison.Ordinal) == true || !seen.Add(item))
            {
                continue;
            }

            if (item is Array array)
            {
                foreach (var element in array)
                {
                    if (element is not null && !element.GetType().IsPrimitive)
                    {
                        pending.Push(element);
                    }
                }

                continue;
            }

            for (var type = item.GetType(); type is not null; type = type.BaseType)
            {
                foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (!field.FieldType.IsPrimitive && !field.FieldType.IsPointer && field.GetValue(item) is { } value)
                    {
                        pending.Push(value);
                    }
                }
            }
        }

        return [.. seen];
    }

    private ProbeTarget Target(LoopbackServer server) =>
        new("t", new Uri($"http://127.0.0.1:{server.Port}"), Options, _prober, _scheduler, (_, _, result, _) => _results.Enqueue(result));

    private void Advance(TimeSpan by)
    {
        for (var left = by; left > TimeSpan.Zero; left -= ProbeScheduler.Resolution)
        {
            _time.Advance(left < ProbeScheduler.Resolution ? left : ProbeScheduler.Resolution);
        }
    }

    /// <summary>Moves the fake clock past the first probe's start (within the fast interval), then waits for what it does on the socket.</summary>
    private async Task FirstProbeAsync(Func<bool> condition, string description)
    {
        Advance(Options.FastInterval + ProbeScheduler.Resolution);
        await Eventually.WaitUntilAsync(condition, Deadline, description);
    }

    /// <summary>A TCP server on loopback that answers every request head with 200 (or never answers), counting requests and closes.</summary>
    private sealed class LoopbackServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly bool _answer;
        private readonly Task _accepting;
        private int _accepted;
        private int _requests;
        private int _closed;

        public LoopbackServer(bool answer)
        {
            _answer = answer;
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _accepting = AcceptAsync();
        }

        public int Port { get; }

        public int Accepted => Volatile.Read(ref _accepted);

        public int Requests => Volatile.Read(ref _requests);

        /// <summary>Connections the probe closed.</summary>
        public int Closed => Volatile.Read(ref _closed);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _accepting;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _accepted);
                _ = ServeAsync(client);
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using var _ = client;
            var stream = client.GetStream();
            var buffer = new byte[4096];
            var head = new StringBuilder();
            try
            {
                while (await stream.ReadAsync(buffer, _stop.Token) is var read && read > 0)
                {
                    head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    while (head.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal) is var end && end >= 0)
                    {
                        head.Remove(0, end + 4);
                        Interlocked.Increment(ref _requests);
                        if (_answer)
                        {
                            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), _stop.Token);
                        }
                    }
                }

                Interlocked.Increment(ref _closed);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
                Interlocked.Increment(ref _closed);
            }
        }
    }
}
