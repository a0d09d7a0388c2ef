using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Hosting;

/// <summary>
/// Speaks the sd_notify protocol to a service manager (systemd <c>Type=notify</c>): <c>READY=1</c> once the host has
/// started (every listener accepts connections), <c>WATCHDOG=1</c> every half <c>WATCHDOG_USEC</c>, <c>STOPPING=1</c>
/// when the drain starts, and <c>RELOADING=1</c> then <c>READY=1</c> around a reload (<see cref="NotifyReloading"/>).
/// </summary>
/// <remarks>
/// It decides from <c>NOTIFY_SOCKET</c> alone, not from the parent process being systemd (unlike
/// <c>UseSystemd()</c>), so it also works under any supervisor that speaks the protocol and in tests. Without
/// <c>NOTIFY_SOCKET</c> every call is a no-op. A send never throws and never blocks the caller for long: the
/// datagram socket has a 1 s send timeout, and a failure is logged once.
/// </remarks>
public sealed partial class SystemdNotifier : IHostedService, IReloadNotifier, IDisposable
{
    public const string NotifySocketVariable = "NOTIFY_SOCKET";
    public const string WatchdogUsecVariable = "WATCHDOG_USEC";
    public const string WatchdogPidVariable = "WATCHDOG_PID";

    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(1);

    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly ILogger<SystemdNotifier> _logger;
    private readonly UnixDomainSocketEndPoint? _endPoint;
    private readonly Lock _gate = new();
    private Socket? _socket;
    private ITimer? _watchdog;
    private CancellationTokenRegistration _onStarted;
    private CancellationTokenRegistration _onStopping;
    private bool _sendFailureLogged;
    private bool _disposed;

    /// <summary>The notifier of this process, configured from its environment (what the host registers).</summary>
    public SystemdNotifier(IHostApplicationLifetime lifetime, TimeProvider time, ILogger<SystemdNotifier> logger)
        : this(NotifySettings.FromEnvironment(), lifetime, time, logger)
    {
    }

    private SystemdNotifier(NotifySettings settings, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<SystemdNotifier> logger)
    {
        _lifetime = lifetime;
        _time = time;
        _logger = logger;
        Settings = settings;
        if (settings.NotifySocket is { } socket)
        {
            if (TryCreateEndPoint(socket, out var endPoint))
            {
                _endPoint = endPoint;
            }
            else
            {
                LogUnsupportedSocket(socket);
            }
        }
    }

    /// <summary>What the notifier was configured with.</summary>
    public NotifySettings Settings { get; }

    /// <summary>True when there is a notify socket to talk to; false makes every notification a no-op.</summary>
    public bool Enabled => _endPoint is not null;

    /// <summary>True when the service manager expects <c>WATCHDOG=1</c> keep-alives from this process.</summary>
    public bool WatchdogEnabled => Enabled && Settings.WatchdogTimeout > TimeSpan.Zero;

    /// <summary>Builds a notifier from explicit settings (tests, or a host that reads its settings elsewhere).</summary>
    public static SystemdNotifier Create(NotifySettings settings, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<SystemdNotifier> logger) =>
        new(settings, lifetime, time, logger);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return Task.CompletedTask;
        }

        LogEnabled(Settings.NotifySocket!, WatchdogEnabled ? $"every {Settings.WatchdogPingInterval.TotalMilliseconds:0} ms" : "off");

        // ApplicationStarted fires once every hosted service has started, the Kestrel server (and so every
        // listener) included: only then is the edge ready.
        _onStarted = _lifetime.ApplicationStarted.Register(static state => ((SystemdNotifier)state!).OnStarted(), this);
        _onStopping = _lifetime.ApplicationStopping.Register(static state => ((SystemdNotifier)state!).NotifyStopping(), this);
        return Task.CompletedTask;
    }

    /// <summary>Keeps the watchdog going through the drain (the server stops before this service does), then ends it.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        StopWatchdog();
        return Task.CompletedTask;
    }

    /// <summary><c>READY=1</c>: start-up (or a reload) is complete.</summary>
    public bool NotifyReady(string? status = null) => Notify(WithStatus("READY=1", status));

    /// <summary>
    /// <c>RELOADING=1</c> with <c>MONOTONIC_USEC</c> (which <c>Type=notify-reload</c> requires): a reload started.
    /// Follow it with <see cref="NotifyReady"/> when the reload is done, whether it was applied or rejected.
    /// </summary>
    public bool NotifyReloading(string? status = null)
    {
        var monotonicUsec = Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1_000_000);
        return Notify(WithStatus(string.Create(CultureInfo.InvariantCulture, $"RELOADING=1\nMONOTONIC_USEC={monotonicUsec}"), status));
    }

    /// <summary><c>STOPPING=1</c>: the edge stopped accepting and drains in-flight requests.</summary>
    public bool NotifyStopping() => Notify("STOPPING=1\nSTATUS=draining in-flight requests");

    /// <summary><c>WATCHDOG=1</c>: the keep-alive that <c>WatchdogSec=</c> expects.</summary>
    public bool NotifyWatchdog() => Notify("WATCHDOG=1");

    /// <summary><c>STATUS=...</c>: the one line <c>systemctl status</c> shows.</summary>
    public bool NotifyStatus(string status) => Notify(WithStatus(null, status));

    /// <summary>Sends one sd_notify datagram (newline-separated <c>KEY=VALUE</c> assignments); false when not sent.</summary>
    public bool Notify(string state)
    {
        if (_endPoint is null)
        {
            return false;
        }

        var payload = Encoding.UTF8.GetBytes(state);
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            try
            {
                _socket ??= CreateSocket();
                _socket.SendTo(payload, SocketFlags.None, _endPoint);
                return true;
            }
            catch (SocketException e)
            {
                if (!_sendFailureLogged)
                {
                    _sendFailureLogged = true;
                    LogSendFailed(Settings.NotifySocket!, e.Message);
                }

                return false;
            }
        }
    }

    public void Dispose()
    {
        StopWatchdog();
        _onStarted.Dispose();
        _onStopping.Dispose();
        lock (_gate)
        {
            _disposed = true;
            _socket?.Dispose();
            _socket = null;
        }
    }

    /// <summary>
    /// <c>/run/systemd/notify</c> is a path; <c>@name</c> is a Linux abstract socket name (a leading NUL byte in the
    /// address). Anything else (<c>vsock:</c>, relative paths) is not supported.
    /// </summary>
    private static bool TryCreateEndPoint(string socket, out UnixDomainSocketEndPoint? endPoint)
    {
        endPoint = null;
        if (socket.Length < 2 || socket.Length > 107)
        {
            return false;
        }

        if (socket[0] == '@')
        {
            endPoint = new UnixDomainSocketEndPoint("\0" + socket[1..]);
            return true;
        }

        if (socket[0] == '/')
        {
            endPoint = new UnixDomainSocketEndPoint(socket);
            return true;
        }

        return false;
    }

    private static Socket CreateSocket() => new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified)
    {
        SendTimeout = (int)SendTimeout.TotalMilliseconds,
    };

    private static string WithStatus(string? state, string? status)
    {
        if (string.IsNullOrEmpty(status))
        {
            return state ?? "";
        }

        // One assignment per line: a newline inside the status would start a new (bogus) assignment.
        var line = "STATUS=" + status.ReplaceLineEndings(" ");
        return state is null ? line : state + "\n" + line;
    }

    private void OnStarted()
    {
        NotifyReady("serving");
        if (!WatchdogEnabled)
        {
            return;
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var interval = Settings.WatchdogPingInterval;
            _watchdog = _time.CreateTimer(static state => ((SystemdNotifier)state!).NotifyWatchdog(), this, TimeSpan.Zero, interval);
        }
    }

    private void StopWatchdog()
    {
        ITimer? timer;
        lock (_gate)
        {
            timer = _watchdog;
            _watchdog = null;
        }

        timer?.Dispose();
    }

    /// <summary>The sd_notify environment of a process: where to send, and the watchdog timeout it must beat.</summary>
    /// <param name="NotifySocket"><c>NOTIFY_SOCKET</c>, or null when unset or empty.</param>
    /// <param name="WatchdogTimeout">
    /// <c>WATCHDOG_USEC</c>, or zero when unset, invalid, or meant for another process (<c>WATCHDOG_PID</c> set to a
    /// pid that is not this one).
    /// </param>
    public sealed record NotifySettings(string? NotifySocket, TimeSpan WatchdogTimeout)
    {
        /// <summary>Keep-alives go at half the timeout, as sd_watchdog_enabled(3) advises.</summary>
        public TimeSpan WatchdogPingInterval => WatchdogTimeout / 2;

        public static NotifySettings FromEnvironment() => Parse(Environment.GetEnvironmentVariable, Environment.ProcessId);

        /// <summary>Reads the settings through <paramref name="variable"/> for a process whose pid is <paramref name="pid"/>.</summary>
        public static NotifySettings Parse(Func<string, string?> variable, int pid)
        {
            ArgumentNullException.ThrowIfNull(variable);
            var socket = variable(NotifySocketVariable);
            var watchdog = TimeSpan.Zero;
            if (ulong.TryParse(variable(WatchdogUsecVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) &&
                usec > 0 && usec <= (ulong)TimeSpan.MaxValue.TotalMicroseconds)
            {
                var watchdogPid = variable(WatchdogPidVariable);
                if (string.IsNullOrEmpty(watchdogPid) ||
                    (int.TryParse(watchdogPid, NumberStyles.None, CultureInfo.InvariantCulture, out var target) && target == pid))
                {
                    watchdog = TimeSpan.FromMicroseconds((long)usec);
                }
            }

            return new NotifySettings(string.IsNullOrEmpty(socket) ? null : socket, watchdog);
        }
    }
}
