using System.Diagnostics;

namespace NeuroPilot.Edge.LoadTests.Drill;

/// <summary>Waits for a process a drill started to answer 2xx on a URL (its <c>/healthz</c> or <c>/readyz</c>), bounded in time.</summary>
internal static class ReadinessProbe
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    /// <exception cref="DrillException">The process exited, or did not answer 2xx within <see cref="StartTimeout"/>.</exception>
    public static async Task WaitForOkAsync(DrillProcess process, Uri url, CancellationToken cancellationToken)
    {
        using var client = NewClient();
        var deadline = Stopwatch.GetTimestamp() + (long)(StartTimeout.TotalSeconds * Stopwatch.Frequency);
        var last = "no answer";
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process.HasExited)
            {
                throw new DrillException($"{process.Name} exited at start:{Environment.NewLine}{Tail(process.Output())}");
            }

            try
            {
                using var response = await client.GetAsync(url, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"status {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                last = e.Message;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new DrillException($"{process.Name}: {url} did not answer 2xx within {StartTimeout.TotalSeconds:0} s ({last}):{Environment.NewLine}{Tail(process.Output())}");
    }

    /// <summary>An HTTP client for a drill's control calls (no proxy, 2 s timeout).</summary>
    public static HttpClient NewClient() => new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;
}
