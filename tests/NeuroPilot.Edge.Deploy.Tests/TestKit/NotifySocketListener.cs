using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Deploy.Tests.TestKit;

/// <summary>
/// What a service manager does for sd_notify: binds a unix datagram socket and records every datagram sent to it.
/// <see cref="Address"/> is the value to pass as <c>NOTIFY_SOCKET</c>: a file path, or <c>@name</c> for a Linux
/// abstract socket. <see cref="OnMessage"/> runs in the receive loop, before the next datagram is read, so a test can
/// act the instant a message arrives.
/// </summary>
public sealed class NotifySocketListener : IDisposable
{
    private readonly Socket _socket;
    private readonly string? _file;
    private readonly Lock _gate = new();
    private readonly List<NotifyMessage> _messages = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loop;

    private NotifySocketListener(string address, UnixDomainSocketEndPoint endPoint, string? file)
    {
        Address = address;
        _file = file;
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _socket.Bind(endPoint);
        _loop = Task.Run(ReceiveLoopAsync);
    }

    public string Address { get; }

    public Func<NotifyMessage, Task>? OnMessage { get; set; }

    /// <summary>Time since the listener was bound, on the clock of <see cref="NotifyMessage.ReceivedAt"/>.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyList<NotifyMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    public static NotifySocketListener BindAbstract()
    {
        var name = "neuropilot-edge-test-" + Guid.NewGuid().ToString("N")[..16];
        return new NotifySocketListener("@" + name, new UnixDomainSocketEndPoint("\0" + name), file: null);
    }

    public static NotifySocketListener BindPath(string path) => new(path, new UnixDomainSocketEndPoint(path), path);

    public async Task<NotifyMessage> WaitForAsync(string assignment, TimeSpan deadline)
    {
        NotifyMessage? found = null;
        await Eventually.WaitUntilAsync(
            () => (found = Messages.FirstOrDefault(m => m.Has(assignment))) is not null,
            deadline,
            () => $"{assignment} arrives on the notify socket (got: {Describe()})");
        return found!;
    }

    public string Describe()
    {
        var messages = Messages;
        return messages.Count == 0 ? "nothing" : string.Join("; ", messages);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends with the socket.
        }

        _stop.Dispose();
        if (_file is not null)
        {
            File.Delete(_file);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var message = new NotifyMessage(_clock.Elapsed, Encoding.UTF8.GetString(buffer, 0, received));
            if (OnMessage is { } onMessage)
            {
                await onMessage(message);
            }

            lock (_gate)
            {
                _messages.Add(message);
            }
        }
    }
}
