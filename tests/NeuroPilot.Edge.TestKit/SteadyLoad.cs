using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// An open-loop load generator: sends GETs at a fixed rate, whether earlier ones have answered or not (as real
/// clients do), for a bounded duration or until stopped, and records every request. Always stops by itself: at most
/// rate x duration requests, each with its own timeout. One <see cref="HttpClient"/> with pooled connections.
/// </summary>
public sealed class SteadyLoad : IAsyncDisposable
{
    private readonly HttpClient _client;
    private readonly Uri _url;
    private readonly string? _host;
    private readonly ConcurrentQueue<LoadSample> _samples = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = new();
    private int _sent;
    private int _disposed;
    private Task _run = Task.CompletedTask;

    private SteadyLoad(Uri url, string? host, TimeSpan requestTimeout, SocketsHttpHandler? handler)
    {
        _url = url;
        _host = host;
        _client = new HttpClient(handler ?? new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(2),
        })
        {
            Timeout = requestTimeout,
        };
    }

    /// <summary>Time since the load started, on the clock of the samples' <c>SentAt</c> and <c>CompletedAt</c>.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Requests sent so far.</summary>
    public int Sent => Volatile.Read(ref _sent);

    /// <summary>Completes when the last request has ended.</summary>
    public Task Completion => _run;

    /// <summary>Completed requests, in completion order.</summary>
    public IReadOnlyList<LoadSample> Samples => [.. _samples];

    public int Total => _samples.Count;

    public int Failed => _samples.Count(s => s.Failed);

    public int Refused => _samples.Count(s => s.Outcome == LoadOutcome.Refused);

    public int FailedAfterSending => _samples.Count(s => s.Outcome is LoadOutcome.FailedAfterSending or LoadOutcome.HttpError);

    /// <summary>
    /// Starts sending GET <paramref name="url"/> at <paramref name="requestsPerSecond"/> for at most
    /// <paramref name="duration"/>, with <paramref name="host"/> as the Host header when given. For an https URL pass
    /// <paramref name="handler"/> (<c>TlsClients.Handler</c>: the CA to trust, a client certificate, how long a
    /// connection lives and so how often the load makes new handshakes); the load owns it from then on.
    /// </summary>
    public static SteadyLoad Start(Uri url, int requestsPerSecond, TimeSpan duration, string? host = null, TimeSpan? requestTimeout = null,
        SocketsHttpHandler? handler = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requestsPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(duration, TimeSpan.FromMinutes(2));
        var load = new SteadyLoad(url, host, requestTimeout ?? TimeSpan.FromSeconds(5), handler);
        load._clock.Start();
        load._run = load.RunAsync(requestsPerSecond, duration);
        return load;
    }

    /// <summary>Stops sending and waits for the requests in flight to end.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _run;
    }

    /// <summary>Completed requests answered by each region, for requests completed in [from, to).</summary>
    public IReadOnlyDictionary<string, int> CountByRegion(TimeSpan from, TimeSpan to) =>
        _samples.Where(s => s.Region is not null && s.CompletedAt >= from && s.CompletedAt < to)
            .GroupBy(s => s.Region!)
            .ToDictionary(g => g.Key, g => g.Count());

    /// <summary>When the first response from <paramref name="region"/> completed after <paramref name="after"/>; null if none yet.</summary>
    public TimeSpan? FirstResponseFrom(string region, TimeSpan after)
    {
        TimeSpan? first = null;
        foreach (var sample in _samples)
        {
            if (sample.Region == region && sample.CompletedAt > after && (first is null || sample.CompletedAt < first))
            {
                first = sample.CompletedAt;
            }
        }

        return first;
    }

    /// <summary>Completed requests that were sent at or after <paramref name="after"/>.</summary>
    public IReadOnlyList<LoadSample> SentAfter(TimeSpan after) => [.. _samples.Where(s => s.SentAt >= after)];

    /// <summary>One line per <paramref name="bucket"/> of completion time: requests per region and failures.</summary>
    public string FormatTimeline(TimeSpan bucket)
    {
        var text = new StringBuilder();
        foreach (var group in _samples.GroupBy(s => (int)(s.CompletedAt / bucket)).OrderBy(g => g.Key))
        {
            text.Append(CultureInfo.InvariantCulture, $"{(group.Key * bucket).TotalSeconds,6:0.0} s:");
            foreach (var region in group.Where(s => s.Region is not null).GroupBy(s => s.Region).OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $" {region.Key}={region.Count()}");
            }

            var failed = group.Count(s => s.Failed);
            if (failed > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $" failed={failed}");
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A one-line summary: totals and failures by kind.</summary>
    public string Summary()
    {
        var latencies = _samples.Select(s => s.Latency.TotalMilliseconds).Order().ToArray();
        var latency = latencies.Length == 0
            ? ""
            : string.Create(CultureInfo.InvariantCulture, $"; latency p50 {Percentile(latencies, 0.50):0.0} ms, p99 {Percentile(latencies, 0.99):0.0} ms, max {latencies[^1]:0.0} ms");
        return $"sent {Sent}, completed {Total}, ok {_samples.Count(s => s.Outcome == LoadOutcome.Ok)}, " +
            $"refused {Refused}, failed after sending {FailedAfterSending}{latency}";
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await StopAsync();
        _client.Dispose();
        _stop.Dispose();
    }

    private static double Percentile(double[] sorted, double quantile) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];

    private async Task RunAsync(int requestsPerSecond, TimeSpan duration)
    {
        var count = (int)Math.Ceiling(requestsPerSecond * duration.TotalSeconds);
        var pending = new List<Task>(count);
        var token = _stop.Token;
        for (var i = 0; i < count && !token.IsCancellationRequested; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)requestsPerSecond);
            var wait = due - _clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    // Pacing of an open-loop generator, not a wait for the system to settle.
                    await Task.Delay(wait, token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            Interlocked.Increment(ref _sent);
            pending.Add(SendOneAsync(i));
        }

        await Task.WhenAll(pending);
    }

    private async Task SendOneAsync(int index)
    {
        // Leave the pacing loop at once: the request runs on the thread pool.
        await Task.Yield();
        var sentAt = _clock.Elapsed;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, _url);
            if (_host is not null)
            {
                request.Headers.Host = _host;
            }

            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            var region = response.Headers.TryGetValues("X-Upstream-Region", out var values) ? values.FirstOrDefault() : null;
            var status = (int)response.StatusCode;
            var outcome = response.IsSuccessStatusCode ? LoadOutcome.Ok : LoadOutcome.HttpError;
            _samples.Enqueue(new LoadSample(index, sentAt, _clock.Elapsed, status, region, outcome, null));
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            _samples.Enqueue(new LoadSample(index, sentAt, _clock.Elapsed, 0, null, LoadOutcome.Refused, e.Message));
        }
        catch (Exception e)
        {
            _samples.Enqueue(new LoadSample(index, sentAt, _clock.Elapsed, 0, null, LoadOutcome.FailedAfterSending, $"{e.GetType().Name}: {e.Message}"));
        }
    }
}
