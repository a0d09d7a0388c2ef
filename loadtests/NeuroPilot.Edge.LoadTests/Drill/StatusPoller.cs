using System.Diagnostics;
using System.Text.Json;

namespace NeuroPilot.Edge.LoadTests.Drill;

/// <summary>
/// Polls the edge's <c>GET /admin/status</c> every 50 ms and keeps the serving region of its first service with the
/// time of each poll: the edge's own view of the failover, a second figure beside the responses'.
/// </summary>
internal sealed class StatusPoller
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    private readonly List<StatusSample> _samples = [];

    /// <summary>The samples so far (Stopwatch timestamp at the answer, serving region or null when none/unreadable).</summary>
    public IReadOnlyList<StatusSample> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    /// <summary>Polls until <paramref name="cancellationToken"/> is cancelled (one request at a time, 1 s timeout each).</summary>
    public async Task RunAsync(Uri statusUrl, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(1) };
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                string? region = null;
                try
                {
                    var text = await client.GetStringAsync(statusUrl, cancellationToken).ConfigureAwait(false);
                    region = ServingRegion(text);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
                {
                    // No answer this time: recorded as unknown.
                }

                lock (_samples)
                {
                    _samples.Add(new StatusSample(Stopwatch.GetTimestamp(), region));
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The drill is over.
        }
    }

    /// <summary><c>services[0].serving_region</c> of an <c>/admin/status</c> document.</summary>
    public static string? ServingRegion(string statusJson)
    {
        using var document = JsonDocument.Parse(statusJson);
        if (document.RootElement.TryGetProperty("services", out var services) && services.ValueKind == JsonValueKind.Array &&
            services.GetArrayLength() > 0 && services[0].TryGetProperty("serving_region", out var serving) &&
            serving.ValueKind == JsonValueKind.String)
        {
            return serving.GetString();
        }

        return null;
    }
}

/// <summary>One poll of the edge's serving region.</summary>
internal readonly record struct StatusSample(long At, string? ServingRegion);
