namespace NeuroPilot.Edge.Configuration.Internal;

/// <summary>Reads <c>Services.NAME.Limits</c> and <c>Edge.Limits</c>.</summary>
internal static class LimitsConfigReader
{
    public static LimitsOptions ReadService(ConfigReader parent)
    {
        if (parent.Object("Limits") is not { } reader)
        {
            return new LimitsOptions();
        }

        int? maxInFlight = reader.Has("MaxInFlight") ? reader.Int("MaxInFlight", 0, 1, 10_000_000) : null;
        var limits = new LimitsOptions
        {
            MaxRequestBodySize = reader.Size("MaxRequestBodySize", 0, long.MaxValue),
            MaxInFlight = maxInFlight is > 0 ? maxInFlight : null,
            MaxQueue = reader.Int("MaxQueue", (maxInFlight ?? 0) / 4, 0, 10_000_000),
            QueueTimeout = reader.Duration("QueueTimeout", LimitsDefaults.QueueTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1)),
            RateLimit = reader.Object("RateLimit") is { } rateReader ? ReadRateLimit(rateReader) : null,
        };
        if (limits.MaxInFlight is null && (reader.Has("MaxQueue") || reader.Has("QueueTimeout")))
        {
            reader.Error(reader.Has("MaxQueue") ? "MaxQueue" : "QueueTimeout", "needs MaxInFlight: requests queue only for a busy in-flight limit");
        }

        reader.RejectUnknownKeys();
        return limits;
    }

    public static ListenerLimitsOptions ReadEdge(ConfigReader parent)
    {
        if (parent.Object("Limits") is not { } reader)
        {
            return new ListenerLimitsOptions();
        }

        var limits = new ListenerLimitsOptions
        {
            MaxConnections = reader.Int("MaxConnections", LimitsDefaults.MaxConnections, 1, 10_000_000),
            MaxRequestHeadersTotalSize = (int)(reader.Size("MaxRequestHeadersTotalSize", 1024, 1 << 20) ?? LimitsDefaults.MaxRequestHeadersTotalSize),
            MaxRequestHeaderCount = reader.Int("MaxRequestHeaderCount", LimitsDefaults.MaxRequestHeaderCount, 1, 10_000),
            MaxRequestLineSize = (int)(reader.Size("MaxRequestLineSize", 256, 1 << 20) ?? LimitsDefaults.MaxRequestLineSize),
            KeepAliveTimeout = reader.Duration("KeepAliveTimeout", LimitsDefaults.KeepAliveTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            RequestHeadersTimeout = reader.Duration("RequestHeadersTimeout", LimitsDefaults.RequestHeadersTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)),
        };
        if (limits.MaxRequestLineSize > limits.MaxRequestHeadersTotalSize)
        {
            reader.Error("MaxRequestLineSize", $"{limits.MaxRequestLineSize} is larger than MaxRequestHeadersTotalSize {limits.MaxRequestHeadersTotalSize}, which includes the request line");
        }

        reader.RejectUnknownKeys();
        return limits;
    }

    private static RateLimitOptions? ReadRateLimit(ConfigReader reader)
    {
        var perClient = reader.Int("PerClient", 0, 1, 10_000_000);
        if (!reader.Has("PerClient"))
        {
            reader.Error("PerClient", "missing: requests per client per period");
        }

        var options = new RateLimitOptions
        {
            PerClient = perClient,
            Per = reader.Duration("Per", TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(24)),
            Burst = reader.Int("Burst", Math.Max(perClient, 1), 1, 10_000_000),
        };
        reader.RejectUnknownKeys();
        return perClient > 0 ? options : null;
    }
}
