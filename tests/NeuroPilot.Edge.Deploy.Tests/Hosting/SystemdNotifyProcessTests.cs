using System.Net;
using NeuroPilot.Edge.Deploy.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Deploy.Tests.Hosting;

/// <summary>
/// The real binary under a real notify socket, as systemd runs it with <c>Type=notify</c> and <c>WatchdogSec=</c>:
/// no systemd parent, only <c>NOTIFY_SOCKET</c> and <c>WATCHDOG_USEC</c> in the environment.
/// </summary>
public sealed class SystemdNotifyProcessTests
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Run_UnderNotifySocket_ReadyAfterListenersAccept_WatchdogAtHalfTimeout_StoppingOnSigterm_ExitsZero()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var upstream = await UpstreamProcess.StartAsync("us-east");
        using var listener = NotifySocketListener.BindAbstract();

        // Checked inside the receive loop, the instant READY=1 arrives: one connection attempt each, no retry.
        int proxyPort = FreePorts.Next(), adminPort = FreePorts.Next();
        (bool Proxy, bool Admin)? acceptedAtReady = null;
        listener.OnMessage = async message =>
        {
            if (message.Has("READY=1") && acceptedAtReady is null)
            {
                acceptedAtReady = (await FreePorts.AcceptsAsync(proxyPort), await FreePorts.AcceptsAsync(adminPort));
            }
        };

        var environment = new Dictionary<string, string?>
        {
            ["NOTIFY_SOCKET"] = listener.Address,
            ["WATCHDOG_USEC"] = "1000000",
            ["WATCHDOG_PID"] = null,
        };
        using var edge = EdgeProcess.Start(
            $$"""
            {
              "Edge": { "Listen": ["http://127.0.0.1:{{proxyPort}}"], "Admin": { "Listen": "http://127.0.0.1:{{adminPort}}" } },
              "Services": { "api": { "Regions": [ { "Name": "us-east", "Destinations": ["{{upstream.Url}}"] } ] } }
            }
            """,
            environment);

        var ready = await listener.WaitForAsync("READY=1", StartDeadline);
        Assert.Equal((true, true), acceptedAtReady);
        Assert.DoesNotContain(listener.Messages, m => m.Has("STOPPING=1"));

        using (var response = await client.GetAsync(new Uri(edge.ProxyUrl, "/hello")))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("us-east", response.Headers.GetValues("X-Upstream-Region").Single());
        }

        // WATCHDOG_USEC=1 s: a keep-alive every 0.5 s. Over a 3 s window that is 6; the bounds only catch "none",
        // "once", and a runaway loop, so that a loaded machine cannot fail the test.
        var window = TimeSpan.FromSeconds(3);
        await Eventually.WaitUntilAsync(() => listener.Now - ready.ReceivedAt >= window, window * 2, "the watchdog window passes");
        var pings = listener.Messages.Where(m => m.Has("WATCHDOG=1") && m.ReceivedAt >= ready.ReceivedAt && m.ReceivedAt <= ready.ReceivedAt + window).ToList();
        Assert.True(pings.Count is >= 3 and <= 12, $"expected about 6 WATCHDOG=1 in {window.TotalSeconds} s after READY=1, got {pings.Count}: {listener.Describe()}");
        Assert.True(pings[0].ReceivedAt - ready.ReceivedAt < TimeSpan.FromSeconds(1.5), $"first WATCHDOG=1 came late: {listener.Describe()}");

        edge.SendSignal(UnixSignal.SIGTERM);
        var stopping = await listener.WaitForAsync("STOPPING=1", TimeSpan.FromSeconds(15));
        var exitCode = await edge.Process.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, exitCode);
        Assert.True(stopping.ReceivedAt > ready.ReceivedAt);
        Assert.Single(listener.Messages, m => m.Has("READY=1"));
        Assert.DoesNotContain(listener.Messages, m => m.ReceivedAt > stopping.ReceivedAt && m.Has("READY=1"));
    }

    [Fact]
    public async Task Run_WatchdogPidOfAnotherProcess_SendsReadyButNoWatchdog()
    {
        using var listener = NotifySocketListener.BindAbstract();
        var environment = new Dictionary<string, string?>
        {
            ["NOTIFY_SOCKET"] = listener.Address,
            ["WATCHDOG_USEC"] = "200000",
            ["WATCHDOG_PID"] = "1",
        };
        var (proxy, admin) = (FreePorts.Next(), FreePorts.Next());
        using var edge = EdgeProcess.Start($$"""
            {
              "Edge": { "Listen": ["http://127.0.0.1:{{proxy}}"], "Admin": { "Listen": "http://127.0.0.1:{{admin}}" } },
              "Services": { "api": { "Regions": [ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9"] } ] } }
            }
            """, environment);

        var ready = await listener.WaitForAsync("READY=1", StartDeadline);
        await Eventually.WaitUntilAsync(() => listener.Now - ready.ReceivedAt >= TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), "1 s passes (10 watchdog periods)");
        edge.SendSignal(UnixSignal.SIGTERM);
        await listener.WaitForAsync("STOPPING=1", TimeSpan.FromSeconds(15));

        Assert.DoesNotContain(listener.Messages, m => m.Has("WATCHDOG=1"));
        Assert.Equal(0, await edge.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }
}
