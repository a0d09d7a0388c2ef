using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Deploy.Tests.TestKit;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Tests.TestKit;
using Settings = NeuroPilot.Edge.Hosting.SystemdNotifier.NotifySettings;

namespace NeuroPilot.Edge.Deploy.Tests.Hosting;

/// <summary>The notifier in process, against a real unix datagram socket, with time driven by a fake clock.</summary>
public sealed class SystemdNotifierTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public void Parse_NoNotifySocket_DisablesEverything()
    {
        var settings = Settings.Parse(Variables(("WATCHDOG_USEC", "1000000")), pid: 42);

        Assert.Null(settings.NotifySocket);
        using var lifetime = new FakeLifetime();
        using var notifier = SystemdNotifier.Create(settings, lifetime, new FakeTimeProvider(), NullLogger<SystemdNotifier>.Instance);
        Assert.False(notifier.Enabled);
        Assert.False(notifier.WatchdogEnabled);
        Assert.False(notifier.NotifyReady());
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("42", true)]
    [InlineData("43", false)]
    [InlineData("not-a-pid", false)]
    public void Parse_WatchdogPid_EnablesTheWatchdogOnlyForThisProcess(string? watchdogPid, bool enabled)
    {
        var settings = Settings.Parse(Variables(("NOTIFY_SOCKET", "/run/notify"), ("WATCHDOG_USEC", "3000000"), ("WATCHDOG_PID", watchdogPid)), pid: 42);

        Assert.Equal(enabled ? TimeSpan.FromSeconds(3) : TimeSpan.Zero, settings.WatchdogTimeout);
        Assert.Equal(enabled ? TimeSpan.FromSeconds(1.5) : TimeSpan.Zero, settings.WatchdogPingInterval);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1.5")]
    [InlineData("soon")]
    public void Parse_InvalidWatchdogUsec_LeavesTheWatchdogOff(string usec)
    {
        var settings = Settings.Parse(Variables(("NOTIFY_SOCKET", "@x"), ("WATCHDOG_USEC", usec)), pid: 1);

        Assert.Equal(TimeSpan.Zero, settings.WatchdogTimeout);
    }

    [Theory]
    [InlineData("vsock:2:1234")]
    [InlineData("relative/path")]
    [InlineData("@")]
    public void Create_UnsupportedSocketAddress_IsDisabledNotFatal(string address)
    {
        using var lifetime = new FakeLifetime();
        using var notifier = SystemdNotifier.Create(new Settings(address, TimeSpan.Zero), lifetime, new FakeTimeProvider(), NullLogger<SystemdNotifier>.Instance);

        Assert.False(notifier.Enabled);
        Assert.False(notifier.NotifyReady());
    }

    [Fact]
    public async Task Notify_AbstractSocketAddress_ReachesTheListener()
    {
        using var listener = NotifySocketListener.BindAbstract();
        using var lifetime = new FakeLifetime();
        using var notifier = SystemdNotifier.Create(new Settings(listener.Address, TimeSpan.Zero), lifetime, new FakeTimeProvider(), NullLogger<SystemdNotifier>.Instance);

        Assert.True(notifier.NotifyStatus("warming up\nstill"));

        var message = await listener.WaitForAsync("STATUS=warming up still", Deadline);
        Assert.Single(message.Assignments);
    }

    [Fact]
    public async Task Notify_PathSocketAddress_ReachesTheListener()
    {
        using var folder = new TempDirectory();
        using var listener = NotifySocketListener.BindPath(folder.File("notify"));
        using var lifetime = new FakeLifetime();
        using var notifier = SystemdNotifier.Create(new Settings(listener.Address, TimeSpan.Zero), lifetime, new FakeTimeProvider(), NullLogger<SystemdNotifier>.Instance);

        Assert.True(notifier.NotifyReloading("reloading edge.json"));
        Assert.True(notifier.NotifyReady("serving"));

        var reloading = await listener.WaitForAsync("RELOADING=1", Deadline);
        Assert.Contains(reloading.Assignments, a => a.StartsWith("MONOTONIC_USEC=", StringComparison.Ordinal) && long.Parse(a["MONOTONIC_USEC=".Length..], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Contains("STATUS=reloading edge.json", reloading.Assignments);
        await listener.WaitForAsync("READY=1", Deadline);
    }

    [Fact]
    public void Notify_NobodyListening_ReturnsFalseAndDoesNotThrow()
    {
        using var folder = new TempDirectory();
        using var lifetime = new FakeLifetime();
        using var notifier = SystemdNotifier.Create(new Settings(folder.File("gone"), TimeSpan.Zero), lifetime, new FakeTimeProvider(), NullLogger<SystemdNotifier>.Instance);

        Assert.True(notifier.Enabled);
        Assert.False(notifier.NotifyReady());
        Assert.False(notifier.NotifyWatchdog());
    }

    [Fact]
    public async Task Lifecycle_SendsReadyOnStarted_WatchdogEveryHalfTimeout_StoppingOnStopping()
    {
        using var listener = NotifySocketListener.BindAbstract();
        using var lifetime = new FakeLifetime();
        var time = new FakeTimeProvider();
        using var notifier = SystemdNotifier.Create(new Settings(listener.Address, TimeSpan.FromSeconds(10)), lifetime, time, NullLogger<SystemdNotifier>.Instance);

        await notifier.StartAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(listener.Messages);

        lifetime.Started();
        await listener.WaitForAsync("READY=1", Deadline);
        await Eventually.WaitUntilAsync(() => CountWatchdogs(listener) == 1, Deadline, "the first WATCHDOG=1 goes right after READY=1");

        for (var i = 0; i < 4; i++)
        {
            time.Advance(TimeSpan.FromSeconds(4.9));
            Assert.Equal(1 + i, CountWatchdogs(listener));
            time.Advance(TimeSpan.FromSeconds(0.1));
            await Eventually.WaitUntilAsync(() => CountWatchdogs(listener) == 2 + i, Deadline, $"WATCHDOG=1 number {2 + i} at {5 * (i + 1)} s");
        }

        lifetime.StopApplication();
        await listener.WaitForAsync("STOPPING=1", Deadline);

        await notifier.StopAsync(CancellationToken.None);
        var before = CountWatchdogs(listener);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(before, CountWatchdogs(listener));
    }

    [Fact]
    public async Task Lifecycle_NoWatchdogTimeout_SendsReadyButNoWatchdog()
    {
        using var listener = NotifySocketListener.BindAbstract();
        using var lifetime = new FakeLifetime();
        var time = new FakeTimeProvider();
        using var notifier = SystemdNotifier.Create(new Settings(listener.Address, TimeSpan.Zero), lifetime, time, NullLogger<SystemdNotifier>.Instance);

        await notifier.StartAsync(CancellationToken.None);
        lifetime.Started();
        await listener.WaitForAsync("READY=1", Deadline);
        time.Advance(TimeSpan.FromMinutes(5));
        lifetime.StopApplication();
        await listener.WaitForAsync("STOPPING=1", Deadline);

        Assert.Equal(0, CountWatchdogs(listener));
    }

    private static int CountWatchdogs(NotifySocketListener listener) => listener.Messages.Count(m => m.Has("WATCHDOG=1"));

    private static Func<string, string?> Variables(params (string Name, string? Value)[] variables) =>
        name => Array.Find(variables, v => v.Name == name).Value;
}
