using System.CommandLine;
using NeuroPilot.Edge.LoadTests.Cli;
using NeuroPilot.Edge.LoadTests.Drill;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Reports;

namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>The options of <c>drill spike</c> besides the shared load options, read into a <see cref="SpikePlan"/>.</summary>
internal sealed class SpikeOptions
{
    private const string Name = SpikeCommand.Name;

    private readonly Option<string?> _edge;
    private readonly Option<double?> _rate;
    private readonly Option<double?> _factor;
    private readonly Option<TimeSpan?> _baseline;
    private readonly Option<TimeSpan?> _spike;
    private readonly Option<TimeSpan?> _after;
    private readonly Option<string?> _limits;
    private readonly Option<int?> _maxInFlight;
    private readonly Option<int?> _maxQueue;
    private readonly Option<TimeSpan?> _queueTimeout;
    private readonly Option<long?> _maxBodySize;
    private readonly Option<int?> _rateLimit;
    private readonly Option<TimeSpan?> _rateLimitPer;
    private readonly Option<int?> _rateLimitBurst;
    private readonly Option<int?> _maxConnections;
    private readonly Option<System.Text.Json.Nodes.JsonObject?> _configExtra;
    private readonly Option<int?> _clients;
    private readonly Option<int?> _upstreams;
    private readonly Option<string?> _path;
    private readonly Option<TimeSpan?> _recoveryP99;
    private readonly Option<string?> _title;

    public SpikeOptions(LoadCommand command)
    {
        _edge = command.Text("--edge", "PATH", EdgeBinaryOption.Description, required: true);
        _rate = command.Value("--rate", ValueParsers.Rate, "R", "baseline requests per second (default 500)");
        _factor = command.Value("--spike-factor", ValueParsers.Factor, "F", "the spike's rate is F times the baseline (default 10)");
        _baseline = command.Value("--baseline", ValueParsers.PositiveDuration, "D",
            "length of each phase (default 4s each); the run lasts their sum (+ warm-up, grace)");
        _spike = command.Value("--spike", ValueParsers.PositiveDuration, "D", null);
        _after = command.Value("--after", ValueParsers.PositiveDuration, "D", null);
        _limits = command.Parsed("--limits", OnOrOff, "on|off", """
            on (default): write the limits below into the config; off: no Limits section at
            all (also none from --config-extra): what the limits prevent
            """);
        _maxInFlight = command.Value("--max-in-flight", t => ValueParsers.Count(t, 1, 1_000_000), "N",
            $"Services.api.Limits.MaxInFlight (default {SpikeLimits.DefaultMaxInFlight} when no service limit is given)");
        _maxQueue = command.Value("--max-queue", t => ValueParsers.Count(t, 0, 1_000_000), "N", """
            Limits.MaxQueue: requests that may wait for a slot (the edge's default: a quarter
            of MaxInFlight)
            """);
        _queueTimeout = command.Value("--queue-timeout", ValueParsers.PositiveDuration, "T", "Limits.QueueTimeout (the edge's default 1s)");
        _maxBodySize = command.Value("--max-body-size", t => (long)ValueParsers.Bytes(t), "N", "Limits.MaxRequestBodySize (bytes: 1m, 512k)");
        _rateLimit = command.Value("--rate-limit", t => ValueParsers.Count(t, 1, 10_000_000), "N", """
            Limits.RateLimit.PerClient: requests per client address per --rate-limit-per (1s),
            bursts of --rate-limit-burst (default N)
            """);

        // Told of in --rate-limit's row.
        _rateLimitPer = command.Value("--rate-limit-per", ValueParsers.PositiveDuration, "T", "Limits.RateLimit.Per");
        _rateLimitPer.Hidden = true;
        _rateLimitBurst = command.Value("--rate-limit-burst", t => ValueParsers.Count(t, 1, 10_000_000), "N", "Limits.RateLimit.Burst");
        _rateLimitBurst.Hidden = true;

        _maxConnections = command.Value("--max-connections", t => ValueParsers.Count(t, 1, 10_000_000), "N", "Edge.Limits.MaxConnections");
        _configExtra = command.Parsed("--config-extra", SpikeEdgeConfig.ParseExtra, "JSON", """
            a JSON object merged over the generated config (inline, or the path of a file), e.g.
            '{"Services": {"api": {"Limits": {"MaxInFlight": 32, "MaxQueue": 8} } } }'
            """);
        _clients = command.Value("--clients", t => ValueParsers.Count(t, 1, 250), "N", """
            connect from N source addresses, 127.0.0.1 to 127.0.0.N (default 1), so that
            per-client rate limits see N clients; connections are spread over them
            """);
        _upstreams = command.Value("--upstreams", t => ValueParsers.Count(t, 1, 8), "N", "upstream processes behind the edge (default 1)");
        _path = command.Text("--path", "P", "request path (default /; /delay?ms=5 makes the upstream take 5 ms)");
        _recoveryP99 = command.Value("--recovery-p99", ValueParsers.PositiveDuration, "T", """
            the admitted p99 a 250 ms window must be within to count as recovered (default:
            the p99-admitted budget, else 5ms)
            """);
        _title = command.Text("--title", "TEXT", "title of the reports");
    }

    /// <summary>Reads the plan and checks the options against each other and against <paramref name="options"/>.</summary>
    /// <exception cref="UsageException">They do not fit together, or the edge binary is missing.</exception>
    public SpikePlan Read(ParseResult parseResult, LoadOptions options)
    {
        var edge = EdgeBinaryOption.Read(Name, parseResult.GetValue(_edge)!);
        var rate = parseResult.GetValue(_rate) ?? SpikeCommand.DefaultRate;
        var factor = parseResult.GetValue(_factor) ?? SpikeCommand.DefaultFactor;
        if (rate * factor > LoadProfileDefaults.MaxRate)
        {
            throw new UsageException($"{Name}: --rate {DisplayFormat.Invariant(rate)} x --spike-factor {DisplayFormat.Invariant(factor)} is more than {LoadProfileDefaults.MaxRate:0} req/s");
        }

        RatePhase[] phases =
        [
            new("baseline", rate, parseResult.GetValue(_baseline) ?? SpikeCommand.DefaultPhase),
            new(SpikeAnalysis.SpikePhase, rate * factor, parseResult.GetValue(_spike) ?? SpikeCommand.DefaultPhase),
            new("after", rate, parseResult.GetValue(_after) ?? SpikeCommand.DefaultPhase),
        ];
        var limits = ReadLimits(parseResult);
        var clients = parseResult.GetValue(_clients) ?? 1;
        if (options.Connections < clients)
        {
            throw new UsageException($"{Name}: --connections {options.Connections} is fewer than --clients {clients} (each client needs a connection)");
        }

        var path = parseResult.GetValue(_path) ?? "/";
        if (!path.StartsWith('/'))
        {
            throw new UsageException($"{Name}: --path {path}: must start with /");
        }

        // The request (method, headers, body) is checked now: a usage error must come before any process starts.
        _ = options.Target("--path", $"http://127.0.0.1:1{path}");

        return new SpikePlan
        {
            Edge = edge,
            Factor = factor,
            Phases = phases,
            Limits = limits,
            Extra = parseResult.GetValue(_configExtra),
            Clients = clients,
            Upstreams = parseResult.GetValue(_upstreams) ?? 1,
            Path = path,
            RecoveryP99Ms = parseResult.GetValue(_recoveryP99)?.TotalMilliseconds
                ?? options.Budgets.FirstOrDefault(b => b.Figure.Name == "p99-admitted")?.Limit
                ?? SpikeCommand.DefaultRecoveryP99.TotalMilliseconds,
            Title = parseResult.GetValue(_title)
                ?? $"Spike drill: x{DisplayFormat.Invariant(factor)} for {DisplayFormat.Duration(phases[1].Duration)}, limits {(limits.Enabled ? "on" : "off")}",
        };
    }

    /// <summary>on or off (a string, not a bool: the parser would take a bool option's value only when it reads as one).</summary>
    private static string OnOrOff(string text) => text is "on" or "off" ? text : throw new FormatException("use on or off");

    private SpikeLimits ReadLimits(ParseResult parseResult)
    {
        var limits = new SpikeLimits
        {
            Enabled = parseResult.GetValue(_limits) != "off",
            MaxInFlight = parseResult.GetValue(_maxInFlight),
            MaxQueue = parseResult.GetValue(_maxQueue),
            QueueTimeout = parseResult.GetValue(_queueTimeout),
            MaxRequestBodySize = parseResult.GetValue(_maxBodySize),
            RateLimitPerClient = parseResult.GetValue(_rateLimit),
            RateLimitPer = parseResult.GetValue(_rateLimitPer),
            RateLimitBurst = parseResult.GetValue(_rateLimitBurst),
            MaxConnections = parseResult.GetValue(_maxConnections),
        };

        if (limits.RateLimitPerClient is null && (limits.RateLimitPer is not null || limits.RateLimitBurst is not null))
        {
            throw new UsageException($"{Name}: --rate-limit-per and --rate-limit-burst need --rate-limit N (requests per client)");
        }

        return limits;
    }
}
