using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns.Cloudflare.Internal;
using NeuroPilot.Edge.Dns.Internal;

namespace NeuroPilot.Edge.Dns.Cloudflare;

/// <summary>
/// Cloudflare API v4 DNS provider for one zone. Reads list the zone's records (one request for a zone of up to 5,000
/// records) and remember their ids; applies turn set-level changes into record deletes, patches and posts sent as
/// one <c>POST dns_records/batch</c> (one transaction), with per-record calls only when the batch endpoint does not
/// exist. Transient failures (5xx, timeouts, connection errors, non-JSON answers) are retried up to
/// <see cref="MaxAttempts"/> times with capped jittered backoff; a 429 is never waited out inside a call: every
/// call until its <c>Retry-After</c> has passed is refused without a request, as is every call over the client-side
/// budget of <see cref="CloudflareOptions.RequestsPerFiveMinutes"/>, and a <c>Retry-After</c> is believed up to one
/// hour (<see cref="WaitLimits.MaxProviderWait"/>). Nothing the API sends can take more memory than
/// <see cref="MaxAnswerBytes"/> per answer (counted after decompression) and as much again of records kept per read;
/// its error messages are clipped (<see cref="ProviderText"/>). The API token is sent as a Bearer header and appears
/// nowhere else. Three pieces do the work: <see cref="CloudflareTransport"/> (HTTP, envelope, retries, 429s, budget),
/// <see cref="RecordReader"/> and <see cref="RecordDiff"/> (reading, normalising, diffing against the last read),
/// <see cref="BatchApplier"/> (batches and the per-record fallback).
/// </summary>
public sealed partial class CloudflareProvider : IDnsProvider
{
    /// <summary>Attempts of one request, the first included, when it fails transiently.</summary>
    public const int MaxAttempts = 3;

    /// <summary>Operations (deletes + patches + posts) of one batch: Cloudflare's limit on Free plans.</summary>
    public const int MaxBatchOperations = 200;

    /// <summary>
    /// The most bytes of one answer the provider takes in, counted after decompression: 8 MiB. A longer answer (or a
    /// small one that inflates past it) fails the call with <see cref="DnsProviderError.Unavailable"/>, not retried.
    /// A full page of 5,000 records is about 2.5 MB.
    /// </summary>
    public const int MaxAnswerBytes = 8 * 1024 * 1024;

    /// <summary>Records per page of the list: Cloudflare's maximum.</summary>
    internal const int DefaultPerPage = 5_000;

    /// <summary>How long a 429 without a usable <c>Retry-After</c> holds calls back.</summary>
    internal static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(60);

    /// <summary>Full-jitter backoff between attempts of one request: ceilings 250 ms, 500 ms, then 1 s.</summary>
    internal static readonly TimeSpan RetryBackoffFirst = TimeSpan.FromMilliseconds(250);

    internal static readonly TimeSpan RetryBackoffCap = TimeSpan.FromSeconds(1);

    private readonly CloudflareOptions _options;
    private readonly ILogger<CloudflareProvider> _logger;
    private readonly CloudflareTransport _transport;
    private readonly RecordReader _reader;
    private readonly RecordDiff _diff;
    private readonly BatchApplier _applier;

    /// <param name="options">The zone, API base URL, proxied flag, request budget and timeout.</param>
    /// <param name="apiToken">The API token (Zone DNS edit on the zone), sent as <c>Authorization: Bearer</c> only.</param>
    /// <param name="time">The clock of timeouts, backoff, the budget and <c>Retry-After</c>.</param>
    /// <param name="logger">Where push results and provider errors go.</param>
    /// <param name="handler">The HTTP handler; the provider owns it and disposes it. By default a pooled
    /// <see cref="SocketsHttpHandler"/> that honours the HTTP(S)_PROXY environment (operators behind an egress proxy)
    /// except for a loopback <see cref="CloudflareOptions.ApiBaseUrl"/>, which is never proxied.</param>
    public CloudflareProvider(
        CloudflareOptions options, string apiToken, TimeProvider time, ILogger<CloudflareProvider> logger, HttpMessageHandler? handler = null)
        : this(options, apiToken, time, logger, handler, DefaultPerPage)
    {
    }

    /// <summary>As the public constructor, with the list's page size (tests page through a small zone with it).</summary>
    internal CloudflareProvider(
        CloudflareOptions options, string apiToken, TimeProvider time, ILogger<CloudflareProvider> logger, HttpMessageHandler? handler, int perPage)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(apiToken);
        var token = apiToken.Trim();
        if (token.Length == 0 || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c > '~'))
        {
            // The message must not echo the token.
            throw CloudflareErrors.Failure(DnsProviderError.Unauthorized, "The Cloudflare API token is empty or contains whitespace, control or non-ASCII characters.");
        }

        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(perPage, 5);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(perPage, DefaultPerPage);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.RequestTimeout, TimeSpan.Zero);

        _options = options;
        _logger = logger;
        var recordsUrl = $"{options.ApiBaseUrl.AbsoluteUri.TrimEnd('/')}/zones/{Uri.EscapeDataString(options.ZoneId)}/dns_records";
        _transport = new CloudflareTransport(options, token, time, logger, handler, MaxAnswerBytes);
        _reader = new RecordReader(_transport, recordsUrl, perPage, MaxAnswerBytes);
        _diff = new RecordDiff(options.Proxied);
        _applier = new BatchApplier(_transport, recordsUrl, logger);
    }

    public string Name => CloudflareErrors.Provider;

    /// <summary>HTTP requests sent since construction, retries included (refused calls send none).</summary>
    public int RequestsSent => _transport.RequestsSent;

    /// <summary>1 (automatic) for a proxied A, AAAA or CNAME record, else <paramref name="ttl"/>.</summary>
    public int EffectiveTtl(DnsRecordType type, int ttl) => _diff.EffectiveTtl(type, ttl);

    public async Task<IReadOnlyList<DnsRecordSet>> ReadAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        var wanted = new HashSet<string>(names.Select(DnsNames.Normalize), StringComparer.Ordinal);
        var call = new CloudflareCall("list DNS records", idempotent: true);
        if (wanted.Count == 0)
        {
            _diff.Remember([], []);
            return [];
        }

        try
        {
            var (seen, records, pages) = await _reader.ReadAsync(wanted, call, cancellationToken);
            _diff.Remember(wanted, seen);
            LogRead(wanted.Count, seen.Count, records, pages, call.Requests);
            return [.. seen.Select(s => s.Set)];
        }
        catch (Exception e) when (CloudflareErrors.IsUnexpected(e, cancellationToken))
        {
            throw CloudflareErrors.Unexpected(call, e);
        }
    }

    public async Task<DnsApplyResult> ApplyAsync(IReadOnlyList<DnsChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return new DnsApplyResult(0, null);
        }

        if (!_diff.TryTranslate(changes, out var perChange, out var refused))
        {
            LogStateChanged(refused.Name, refused.Type, refused.Detail);
            throw refused.Error;
        }

        var call = new CloudflareCall("apply DNS changes", idempotent: false);
        try
        {
            var mode = await _applier.SendAsync(perChange, call, cancellationToken);
            var all = RecordOperations.Merge(perChange);
            LogApplied(changes.Count, all.Deletes.Count, all.Patches.Count, all.Posts.Count, call.Requests, mode);
            return new DnsApplyResult(call.Requests, null);
        }
        catch (Exception e) when (CloudflareErrors.IsUnexpected(e, cancellationToken))
        {
            throw CloudflareErrors.Unexpected(call, e);
        }
        finally
        {
            // Whatever happened, ids and contents read before may be stale now: the next apply to these names needs a new read.
            _diff.Forget(changes);
        }
    }

    public override string ToString() => $"{Name} zone {_options.ZoneId} at {_options.ApiBaseUrl}";

    public void Dispose() => _transport.Dispose();
}
