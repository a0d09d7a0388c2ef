using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// One raw recording upstream and two real edges with the same config but <c>Edge.Engine</c>: the fast engine
/// sends to the upstream's first port, YARP to its second, so each request the upstream records is told apart by
/// the port it came in on. Breakers and retries are set so that no case changes what the next one sees: a
/// malformed upstream answer must not open a breaker (later cases would get 503s) nor be retried (the upstream would
/// count a request twice).
/// </summary>
public sealed class EngineDifferentialFixture : IAsyncLifetime
{
    public const int Fast = 0;

    public const int Yarp = 1;

    public static readonly string[] Engines = ["fast", "yarp"];

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(20);

    private readonly Dictionary<string, ScriptedAnswer> _answers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public RecordingUpstream Upstream { get; private set; } = null!;

    /// <summary>The edges by engine: [<see cref="Fast"/>, <see cref="Yarp"/>].</summary>
    public EdgeProcess[] Edges { get; } = new EdgeProcess[2];

    public async Task InitializeAsync()
    {
        Upstream = RecordingUpstream.Start(listeners: 2, Answer);
        for (var engine = 0; engine < Engines.Length; engine++)
        {
            Edges[engine] = await EdgeProcess.StartAsync(Config(Engines[engine], Upstream.Destination(engine)));
        }

        foreach (var edge in Edges)
        {
            await Eventually.WaitUntilAsync(
                async () => (await edge.GetStatusJsonAsync()).GetProperty("services")[0].GetProperty("regions")[0]
                    .GetProperty("destinations")[0].GetProperty("health").GetString() == "up",
                StartDeadline,
                "the recording upstream is probed up");
        }
    }

    /// <summary>From now on, a request for <paramref name="target"/> is answered with <paramref name="answer"/>.</summary>
    public void Script(string target, ScriptedAnswer answer)
    {
        lock (_gate)
        {
            _answers[target] = answer;
        }
    }

    public Task DisposeAsync()
    {
        foreach (var edge in Edges)
        {
            edge?.Dispose();
        }

        Upstream?.Dispose();
        return Task.CompletedTask;
    }

    private ScriptedAnswer? Answer(RecordedRequest request)
    {
        lock (_gate)
        {
            return _answers.GetValueOrDefault(request.Target);
        }
    }

    /// <summary>The config both edges share but for the engine (set here, never left to the test axis) and the destination.</summary>
    private static string Config(string engine, string destination)
    {
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        return $$"""
            {
              "Edge": { "Engine": "{{engine}}", "Listen": ["http://127.0.0.1:{{proxyPort}}"], "Admin": { "Listen": "http://127.0.0.1:{{adminPort}}" } },
              "Services": {
                "api": {
                  "Regions": [ { "Name": "only", "Destinations": ["{{destination}}"] } ],
                  "HealthCheck": { "Path": "/healthz", "Interval": "00:00:10", "Timeout": "00:00:02" },
                  "CircuitBreaker": { "ConsecutiveFailures": 10000, "MinimumThroughput": 10000, "StallTimeout": "0s" },
                  "Retry": { "MaxAttempts": 1 }
                }
              }
            }
            """;
    }
}
