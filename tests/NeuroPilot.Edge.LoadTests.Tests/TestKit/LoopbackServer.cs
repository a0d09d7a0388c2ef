using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace NeuroPilot.Edge.LoadTests.Tests.TestKit;

/// <summary>
/// A real Kestrel upstream on 127.0.0.1 (random port) for functional tests of the harness.
/// <list type="bullet">
/// <item><c>/</c>: 200 "ok".</item>
/// <item><c>/delay/MS</c>: 200 after MS milliseconds.</item>
/// <item><c>/status/CODE</c>: that status.</item>
/// <item><c>/retry-after/CODE</c>: that status with <c>Retry-After: 1</c> (like a request the edge shed).</item>
/// <item><c>/hang</c>: never answers (until the client goes away).</item>
/// <item><c>/close</c>: 200 with <c>Connection: close</c>.</item>
/// <item><c>/chunked</c>: a chunked body.</item>
/// <item><c>/limit/N</c>: slow (400 ms) whenever more than N requests arrived in the last second.</item>
/// </list>
/// <see cref="StallAfter"/> makes every response wait during one stall (a hung upstream, like <c>kill -STOP</c>).
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Queue<long> _arrivals = new();
    private readonly HashSet<string> _clientAddresses = [];
    private long _requests;
    private long _stallAtRequest = long.MaxValue;
    private long _stallTicks;
    private long _stallUntil;

    static LoopbackServer()
    {
        // The test host runs the server and the harness in one process: without spare pool threads, a busy start
        // waits for the pool's thread injection (about 2 per second) and every response stalls meanwhile.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
    }

    private LoopbackServer(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>The remote addresses requests came from.</summary>
    public IReadOnlyCollection<string> ClientAddresses
    {
        get
        {
            lock (_clientAddresses)
            {
                return [.. _clientAddresses];
            }
        }
    }

    public static async Task<LoopbackServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new LoopbackServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    public string Url(string path) => new Uri(BaseUrl, path).ToString();

    /// <summary>After <paramref name="requests"/> requests, every response waits until <paramref name="stall"/> has passed.</summary>
    public void StallAfter(long requests, TimeSpan stall)
    {
        Interlocked.Exchange(ref _stallTicks, (long)(stall.TotalSeconds * Stopwatch.Frequency));
        Interlocked.Exchange(ref _stallAtRequest, requests);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var count = Interlocked.Increment(ref _requests);
        if (context.Connection.RemoteIpAddress is { } remote)
        {
            lock (_clientAddresses)
            {
                _clientAddresses.Add(remote.ToString());
            }
        }

        if (count == Interlocked.Read(ref _stallAtRequest))
        {
            Interlocked.Exchange(ref _stallUntil, Stopwatch.GetTimestamp() + Interlocked.Read(ref _stallTicks));
        }

        var stallLeft = Interlocked.Read(ref _stallUntil) - Stopwatch.GetTimestamp();
        if (stallLeft > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds((double)stallLeft / Stopwatch.Frequency), context.RequestAborted);
        }

        var path = context.Request.Path.Value ?? "/";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (segments.FirstOrDefault())
        {
            case "delay":
                await Task.Delay(int.Parse(segments[1], CultureInfo.InvariantCulture), context.RequestAborted);
                break;
            case "status":
                context.Response.StatusCode = int.Parse(segments[1], CultureInfo.InvariantCulture);
                break;
            case "retry-after":
                context.Response.StatusCode = int.Parse(segments[1], CultureInfo.InvariantCulture);
                context.Response.Headers.RetryAfter = "1";
                break;
            case "hang":
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
                return;
            case "close":
                context.Response.Headers.Connection = "close";
                break;
            case "chunked":
                await context.Response.WriteAsync("chunk one,");
                await context.Response.Body.FlushAsync();
                await context.Response.WriteAsync("chunk two");
                return;
            case "limit":
                if (ArrivalsInLastSecond() > int.Parse(segments[1], CultureInfo.InvariantCulture))
                {
                    await Task.Delay(400, context.RequestAborted);
                }

                break;
        }

        context.Response.ContentLength = 2;
        await context.Response.WriteAsync("ok");
    }

    private int ArrivalsInLastSecond()
    {
        var now = Stopwatch.GetTimestamp();
        lock (_arrivals)
        {
            _arrivals.Enqueue(now);
            while (_arrivals.Count > 0 && now - _arrivals.Peek() > Stopwatch.Frequency)
            {
                _arrivals.Dequeue();
            }

            return _arrivals.Count;
        }
    }
}
