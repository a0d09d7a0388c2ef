namespace NeuroPilot.Edge.Dns;

/// <summary>How one round ended: everything status, metrics and logs are made from (<see cref="DnsStatusProjection"/>).</summary>
public sealed record DnsRoundOutcome
{
    public required DnsRoundResult Result { get; init; }

    /// <summary>The provider's <see cref="IDnsProvider.Name"/>: the <c>provider</c> label.</summary>
    public required string Provider { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset FinishedAt { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>What the round wanted published (after the start-up hold-back, when it held a region back).</summary>
    public required DnsDesire Desire { get; init; }

    /// <summary>The plan; null when the round failed before planning.</summary>
    public DnsPlan? Plan { get; init; }

    /// <summary>Provider requests the round sent.</summary>
    public int Requests { get; init; }

    /// <summary>When the provider could tell: how long until the applied change was served.</summary>
    public TimeSpan? ServedAfter { get; init; }

    /// <summary>Why the round failed (provider code and message, or the unexpected exception in one line); null on success.</summary>
    public string? Error { get; init; }

    /// <summary>An exception no provider should throw (its stack trace goes to Debug); null otherwise.</summary>
    public Exception? Unexpected { get; init; }

    /// <summary>The provider's word on how long to wait before the next call (already capped at one hour).</summary>
    public TimeSpan? RetryAfter { get; init; }

    public bool Succeeded => Error is null;

    /// <summary>The round failed with <paramref name="exception"/>: a provider error, or anything else (result <c>error</c>).</summary>
    public static DnsRoundOutcome Failed(string provider, DateTimeOffset startedAt, DateTimeOffset finishedAt, DnsDesire desire, Exception exception)
    {
        var providerError = exception as DnsProviderException;
        return new DnsRoundOutcome
        {
            Result = providerError?.Kind.ToRoundResult() ?? DnsRoundResult.Error,
            Provider = provider,
            StartedAt = startedAt,
            FinishedAt = finishedAt,
            Desire = desire,
            Error = providerError is null ? $"unexpected {Describe(exception)}" : providerError.Code is null ? exception.Message : $"{providerError.Code}: {exception.Message}",
            Unexpected = providerError is null ? exception : null,
            RetryAfter = providerError?.RetryAfter,
        };
    }

    /// <summary>An exception in one short line: its type and (clipped) message.</summary>
    public static string Describe(Exception e) => $"{e.GetType().Name}: {Internal.ProviderText.Clip(e.Message)}";
}
