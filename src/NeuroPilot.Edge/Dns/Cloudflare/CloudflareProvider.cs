using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns.Cloudflare.Internal;
using NeuroPilot.Edge.Dns.Internal;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Telemetry;

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
/// nowhere else.
/// </summary>
public sealed partial class CloudflareProvider : IDnsProvider
{
    public const string ProviderName = "cloudflare";

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

    private const int MaxPages = 1_000;
    private const string Provider = ProviderName;

    private readonly CloudflareOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CloudflareProvider> _logger;
    private readonly HttpClient _client;
    private readonly RequestBudget _budget;
    private readonly AnswerReader _answers = new(MaxAnswerBytes);
    private readonly int _perPage;
    private readonly string _recordsUrl;
    private readonly Lock _gate = new();

    // Guarded by _gate.
    private readonly HashSet<string> _readNames = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Name, DnsRecordType Type), SeenRecordSet> _seen = [];
    private DateTimeOffset _blockedUntil = DateTimeOffset.MinValue;
    private bool _budgetSpentLogged;

    private volatile bool _batchUnavailable;
    private int _requestsSent;

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
            throw Failure(DnsProviderError.Unauthorized, "The Cloudflare API token is empty or contains whitespace, control or non-ASCII characters.");
        }

        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(perPage, 5);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(perPage, DefaultPerPage);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.RequestTimeout, TimeSpan.Zero);

        _options = options;
        _time = time;
        _logger = logger;
        _perPage = perPage;
        _budget = new RequestBudget(options.RequestsPerFiveMinutes, time);
        _recordsUrl = $"{options.ApiBaseUrl.AbsoluteUri.TrimEnd('/')}/zones/{Uri.EscapeDataString(options.ZoneId)}/dns_records";

        // Timeouts are ours, per request, on the TimeProvider: the client's own is off.
        _client = new HttpClient(handler ?? CreateHandler(options), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _client.DefaultRequestHeaders.UserAgent.ParseAdd($"neuropilot-edge/{EdgeVersion.Current}");
        _client.DefaultRequestHeaders.Accept.ParseAdd("application/json");
    }

    public string Name => ProviderName;

    /// <summary>HTTP requests sent since construction, retries included (refused calls send none).</summary>
    public int RequestsSent => Volatile.Read(ref _requestsSent);

    /// <summary>1 (automatic) for a proxied A, AAAA or CNAME record, else <paramref name="ttl"/>.</summary>
    public int EffectiveTtl(DnsRecordType type, int ttl) => IsProxied(type) ? 1 : ttl;

    public async Task<IReadOnlyList<DnsRecordSet>> ReadAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        var wanted = new HashSet<string>(names.Select(DnsNames.Normalize), StringComparer.Ordinal);
        var call = new Call("list DNS records", idempotent: true);
        if (wanted.Count == 0)
        {
            lock (_gate)
            {
                _readNames.Clear();
                _seen.Clear();
            }

            return [];
        }

        try
        {
            var records = new List<CloudflareRecord>();
            var keptChars = 0L;
            var pages = 0;
            for (var page = 1; ; page++)
            {
                var url = $"{_recordsUrl}?per_page={_perPage.ToString(CultureInfo.InvariantCulture)}&page={page.ToString(CultureInfo.InvariantCulture)}";
                var envelope = (await SendAsync(HttpMethod.Get, url, null, CloudflareJsonContext.Default.CloudflareEnvelopeListCloudflareRecord, call, cancellationToken).ConfigureAwait(false)).GetOrThrow();
                pages++;
                var result = envelope.Result ?? throw Failure(DnsProviderError.Unavailable, $"Cloudflare {call.What} (GET page {page}): the answer has no result list");
                foreach (var record in result)
                {
                    if (record?.Name is not null && ParseType(record.Type) is not null && wanted.Contains(DnsNames.Normalize(record.Name)))
                    {
                        // Pages are capped one by one; what is kept across them is capped too (a zone that repeats our
                        // names page after page).
                        keptChars += record.Name.Length + (record.Id?.Length ?? 0) + (record.Content?.Length ?? 0);
                        if (keptChars > MaxAnswerBytes)
                        {
                            throw Failure(DnsProviderError.Unavailable,
                                $"Cloudflare {call.What}: the records at the {wanted.Count} names read hold more than {MaxAnswerBytes / (1024 * 1024)} MiB (page {page}); not read further");
                        }

                        records.Add(record);
                    }
                }

                var totalPages = envelope.ResultInfo?.TotalPages ?? 1;
                if (page >= totalPages || result.Count == 0)
                {
                    break;
                }

                if (page >= MaxPages)
                {
                    // A partial list would make records look absent: refuse rather than plan against it.
                    throw Failure(DnsProviderError.Rejected, $"Cloudflare {call.What}: the zone has more than {MaxPages} pages of {_perPage} records; not read");
                }
            }

            var seen = Group(records);
            lock (_gate)
            {
                _readNames.Clear();
                _readNames.UnionWith(wanted);
                _seen.Clear();
                foreach (var set in seen)
                {
                    _seen[(set.Set.Name, set.Set.Type)] = set;
                }
            }

            LogRead(wanted.Count, seen.Count, records.Count, pages, call.Requests);
            return [.. seen.Select(s => s.Set)];
        }
        catch (Exception e) when (IsUnexpected(e, cancellationToken))
        {
            throw Unexpected(call, e);
        }
    }

    public async Task<DnsApplyResult> ApplyAsync(IReadOnlyList<DnsChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return new DnsApplyResult(0, null);
        }

        List<RecordOperations>? perChange = null;
        Refusal? refused = null;
        lock (_gate)
        {
            if (TryTranslate(changes, out var operations, out var refusal))
            {
                perChange = operations;
            }
            else
            {
                refused = refusal;
            }
        }

        if (perChange is null)
        {
            LogStateChanged(refused!.Name, refused.Type, refused.Detail);
            throw refused.Error;
        }

        var call = new Call("apply DNS changes", idempotent: false);
        var all = new RecordOperations();
        foreach (var operations in perChange)
        {
            all.Add(operations);
        }

        try
        {
            var batches = RecordOperations.Pack(perChange, MaxBatchOperations);
            var mode = "batch";
            for (var i = 0; i < batches.Count; i++)
            {
                if (!_batchUnavailable && await TrySendBatchAsync(batches[i], call, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                // The batch endpoint does not exist here (nothing of this batch was applied): the rest goes record by
                // record, deletes then patches then posts, as the batch would have ordered them. Not atomic.
                mode = i == 0 ? "per-record" : "batch, then per-record";
                var rest = new RecordOperations();
                foreach (var batch in batches.Skip(i))
                {
                    rest.Add(batch);
                }

                await SendPerRecordAsync(rest, call, cancellationToken).ConfigureAwait(false);
                break;
            }

            LogApplied(changes.Count, all.Deletes.Count, all.Patches.Count, all.Posts.Count, call.Requests, mode);
            return new DnsApplyResult(call.Requests, null);
        }
        catch (Exception e) when (IsUnexpected(e, cancellationToken))
        {
            throw Unexpected(call, e);
        }
        finally
        {
            // Whatever happened, ids and contents read before may be stale now: the next apply to these names needs a new read.
            lock (_gate)
            {
                foreach (var change in changes)
                {
                    _readNames.Remove(change.Name);
                    _seen.Remove((change.Name, change.Type));
                }
            }
        }
    }

    public override string ToString() => $"cloudflare zone {_options.ZoneId} at {_options.ApiBaseUrl}";

    public void Dispose() => _client.Dispose();

    private static SocketsHttpHandler CreateHandler(CloudflareOptions options) => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = options.RequestTimeout < TimeSpan.FromSeconds(5) ? options.RequestTimeout : TimeSpan.FromSeconds(5),
        // Egress proxies from the environment (HTTPS_PROXY, NO_PROXY) apply to api.cloudflare.com; a loopback API
        // (an emulator, a local relay) is reached directly.
        UseProxy = !options.ApiBaseUrl.IsLoopback,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Brotli,
        ActivityHeadersPropagator = null,
    };

    private static DnsRecordType? ParseType(string? type) => type switch
    {
        "A" => DnsRecordType.A,
        "AAAA" => DnsRecordType.AAAA,
        "CNAME" => DnsRecordType.CNAME,
        "TXT" => DnsRecordType.TXT,
        _ => null,
    };

    private static bool IsProxiable(DnsRecordType type) => type is DnsRecordType.A or DnsRecordType.AAAA or DnsRecordType.CNAME;

    /// <summary>The canonical value of <see cref="DnsRecordSet"/>: addresses re-spelled, CNAME targets normalized, TXT unquoted.</summary>
    private static string Canonical(DnsRecordType type, string content)
    {
        switch (type)
        {
            case DnsRecordType.A or DnsRecordType.AAAA:
                return IPAddress.TryParse(content.Trim(), out var address) ? address.ToString() : content.Trim();
            case DnsRecordType.CNAME:
                return DnsNames.Normalize(content.Trim());
            default:
                // Cloudflare may return TXT content quoted: one pair of surrounding quotes is not part of the text.
                return content is ['"', .., '"'] ? content[1..^1] : content;
        }
    }

    private static List<SeenRecordSet> Group(List<CloudflareRecord> records)
    {
        var sets = new List<SeenRecordSet>();
        foreach (var group in records.GroupBy(r => (Name: DnsNames.Normalize(r.Name!), Type: ParseType(r.Type)!.Value)).OrderBy(g => g.Key.Name, StringComparer.Ordinal).ThenBy(g => g.Key.Type))
        {
            var seen = group
                .Where(r => !string.IsNullOrEmpty(r.Id) && r.Content is not null)
                .Select(r => new SeenRecord(r.Id!, Canonical(group.Key.Type, r.Content!), r.Ttl, r.Proxied))
                .ToList();
            if (seen.Count == 0)
            {
                continue;
            }

            var set = new DnsRecordSet(group.Key.Name, group.Key.Type, seen.Min(r => r.Ttl), seen.Select(r => r.Value));
            sets.Add(new SeenRecordSet(set, seen));
        }

        return sets;
    }

    private bool IsProxied(DnsRecordType type) => _options.Proxied && IsProxiable(type);

    /// <summary>
    /// Record operations per change, from the ids of the last read; null and the refusal (StateChanged: nothing may
    /// be sent) when a change's <see cref="DnsChange.Before"/> is not what the last read saw. Called under the lock.
    /// </summary>
    private bool TryTranslate(
        IReadOnlyList<DnsChange> changes, [NotNullWhen(true)] out List<RecordOperations>? operations, [NotNullWhen(false)] out Refusal? refused)
    {
        operations = null;
        var result = new List<RecordOperations>(changes.Count);
        foreach (var change in changes)
        {
            ArgumentNullException.ThrowIfNull(change);
            if (change.Before is null && change.After is null)
            {
                throw Failure(DnsProviderError.Rejected, "A DNS change with neither a before nor an after set cannot be applied.");
            }

            if (change is { Before: { } b, After: { } a } && (b.Name != a.Name || b.Type != a.Type))
            {
                throw Failure(DnsProviderError.Rejected, $"A DNS change may not rename a record set ({b.Name} {b.Type} -> {a.Name} {a.Type}).");
            }

            if (!_readNames.Contains(change.Name))
            {
                refused = new Refusal(change.Name, change.Type.ToString(), "not read since the last apply", Failure(DnsProviderError.StateChanged,
                    $"Cloudflare: {change.Name} {change.Type} was not read before this apply (or was changed by an apply since); read again and re-plan."));
                return false;
            }

            _seen.TryGetValue((change.Name, change.Type), out var seen);
            var matches = (change.Before, seen) switch
            {
                (null, null) => true,
                ({ } before, { } current) => before.SameContent(current.Set),
                _ => false,
            };
            if (!matches)
            {
                var planned = change.Before?.ToString() ?? "nothing";
                var read = seen?.Set.ToString() ?? "nothing";
                refused = new Refusal(change.Name, change.Type.ToString(), $"planned against {planned}, read {read}", Failure(DnsProviderError.StateChanged,
                    $"Cloudflare: the plan for {change.Name} {change.Type} was made against {planned} but the last read saw {read}; read again and re-plan."));
                return false;
            }

            result.Add(Operations(change, seen?.Records ?? []));
        }

        operations = result;
        refused = null;
        return true;
    }

    private RecordOperations Operations(DnsChange change, IReadOnlyList<SeenRecord> current)
    {
        var operations = new RecordOperations();
        var wanted = change.After is null ? [] : new HashSet<string>(change.After.Values, StringComparer.Ordinal);
        var ttl = change.After is null ? 0 : EffectiveTtl(change.Type, change.After.Ttl);
        var proxied = IsProxied(change.Type);
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in current)
        {
            // A value held twice (TXT quoted and unquoted) keeps one record.
            if (!wanted.Contains(record.Value) || !kept.Add(record.Value))
            {
                operations.Deletes.Add(record.Id);
            }
            else if (record.Ttl != ttl || record.Proxied != proxied)
            {
                operations.Patches.Add(new CloudflareRecordPatch { Id = record.Id, Ttl = ttl, Proxied = proxied });
            }
        }

        foreach (var value in change.After?.Values ?? [])
        {
            if (!kept.Contains(value))
            {
                operations.Posts.Add(new CloudflareRecordPost
                {
                    Name = change.Name,
                    Type = change.Type.ToString(),
                    Content = value,
                    Ttl = ttl,
                    Proxied = proxied,
                });
            }
        }

        return operations;
    }

    /// <summary>Sends one batch; false when the batch endpoint does not exist (nothing applied), else throws on failure.</summary>
    private async Task<bool> TrySendBatchAsync(RecordOperations batch, Call call, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(batch.ToBatchRequest(), CloudflareJsonContext.Default.CloudflareBatchRequest);
        var reply = await SendAsync(HttpMethod.Post, _recordsUrl + "/batch", body, CloudflareJsonContext.Default.CloudflareEnvelopeJsonElement, call, cancellationToken).ConfigureAwait(false);
        if (reply.NoRoute)
        {
            _batchUnavailable = true;
            LogBatchUnavailable(reply.Error!.Code ?? "none", reply.Error.Message);
            return false;
        }

        reply.GetOrThrow();
        return true;
    }

    private async Task SendPerRecordAsync(RecordOperations operations, Call call, CancellationToken cancellationToken)
    {
        var typeInfo = CloudflareJsonContext.Default.CloudflareEnvelopeJsonElement;
        foreach (var id in operations.Deletes)
        {
            (await SendAsync(HttpMethod.Delete, $"{_recordsUrl}/{Uri.EscapeDataString(id)}", null, typeInfo, call, cancellationToken).ConfigureAwait(false)).GetOrThrow();
        }

        foreach (var patch in operations.Patches)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(
                new CloudflareRecordPatch { Ttl = patch.Ttl, Proxied = patch.Proxied }, CloudflareJsonContext.Default.CloudflareRecordPatch);
            (await SendAsync(HttpMethod.Patch, $"{_recordsUrl}/{Uri.EscapeDataString(patch.Id!)}", body, typeInfo, call, cancellationToken).ConfigureAwait(false)).GetOrThrow();
        }

        foreach (var post in operations.Posts)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(post, CloudflareJsonContext.Default.CloudflareRecordPost);
            (await SendAsync(HttpMethod.Post, _recordsUrl, body, typeInfo, call, cancellationToken).ConfigureAwait(false)).GetOrThrow();
        }
    }

    /// <summary>
    /// One API request with its retries. Reads retry every transient failure; writes only a failure before any
    /// answer (connection refused, timeout) or a 5xx (a batch is a transaction: a 5xx applied nothing). Each attempt
    /// is refused without a request while a 429 holds or the budget is spent. A final failure is returned, not thrown.
    /// </summary>
    private async Task<Reply<T>> SendAsync<T>(
        HttpMethod method, string url, byte[]? body, JsonTypeInfo<CloudflareEnvelope<T>> typeInfo, Call call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            HoldBack(call);
            Interlocked.Increment(ref _requestsSent);
            call.Requests++;
            var reply = await SendOnceAsync(method, url, body, typeInfo, call, cancellationToken).ConfigureAwait(false);
            if (reply.Error is null)
            {
                return reply;
            }

            var retryable = !reply.Final && reply.Error.Kind == DnsProviderError.Unavailable && (call.Idempotent || reply.RetryableWrite);
            if (!retryable || attempt >= MaxAttempts)
            {
                LogCallFailed(call.What, reply.Error.Kind.ToString(), reply.Error.Code ?? "none", attempt, reply.Error.Message);
                return reply;
            }

            var delay = Backoff.Delay(attempt, RetryBackoffFirst, RetryBackoffCap, 0, Random.Shared.NextDouble());
            LogRetrying(call.What, attempt, MaxAttempts, (long)delay.TotalMilliseconds, reply.Error.Message);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Reply<T>> SendOnceAsync<T>(
        HttpMethod method, string url, byte[]? body, JsonTypeInfo<CloudflareEnvelope<T>> typeInfo, Call call, CancellationToken cancellationToken)
    {
        var what = $"Cloudflare {call.What} ({method} {PathOf(url)})";
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        var started = _time.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            return Reply<T>.Failed(Failure(DnsProviderError.Unavailable, $"{what} timed out after {Seconds(_options.RequestTimeout)} s without an answer", inner: e), retryableWrite: true);
        }
        catch (HttpRequestException e)
        {
            return Reply<T>.Failed(Failure(DnsProviderError.Unavailable, $"{what} failed before an answer: {e.Message}", inner: e), retryableWrite: true);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            AnswerBody answer;
            try
            {
                answer = await _answers.ReadAsync(response.Content, linked.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // InvalidDataException: a compressed body that does not decompress.
                var how = e is OperationCanceledException ? $"timed out after {Seconds(_options.RequestTimeout)} s" : ProviderText.Clip(e.Message);
                return Reply<T>.Failed(Failure(DnsProviderError.Unavailable, $"{what}: HTTP {status}, reading the answer failed: {how}", inner: e), retryableWrite: status >= 500);
            }

            using (answer)
            {
                LogRequest(method.Method, PathOf(url), status, (long)_time.GetElapsedTime(started).TotalMilliseconds);
                if (answer.IsTooLarge)
                {
                    if (status == 429)
                    {
                        return Classify<T>(response, status, null, MaxAnswerBytes, what);
                    }

                    // Retrying would read the same again: fail the call, the reconciler backs off.
                    return new Reply<T>(null, Failure(DnsProviderError.Unavailable,
                        $"{what}: HTTP {status}, Cloudflare answer larger than {MaxAnswerBytes / (1024 * 1024)} MiB (after decompression); not read further"), false, false, Final: true);
                }

                CloudflareEnvelope<T>? envelope;
                try
                {
                    envelope = answer.Length == 0 ? null : JsonSerializer.Deserialize(answer.Span, typeInfo);
                }
                catch (JsonException)
                {
                    envelope = null;
                }

                if (status is >= 200 and < 300 && envelope is { Success: true })
                {
                    return new Reply<T>(envelope, null, false, false);
                }

                return Classify(response, status, envelope, answer.Length, what);
            }
        }
    }

    /// <summary>Turns a failed answer into the error of the contract, and starts the hold-back of a 429.</summary>
    private Reply<T> Classify<T>(HttpResponseMessage response, int status, CloudflareEnvelope<T>? envelope, int length, string what)
    {
        var first = envelope?.Errors is [var error, ..] ? error : null;
        var code = first?.Code;
        var codeText = code?.ToString(CultureInfo.InvariantCulture);
        var detail = first is not null
            ? $"HTTP {status}, error {codeText}: {ProviderText.Clip(first.Message)}"
            : envelope is null
                ? $"HTTP {status} with a {length}-byte {ProviderText.Clip(response.Content.Headers.ContentType?.MediaType ?? "untyped")} body that is not Cloudflare's JSON envelope"
                : $"HTTP {status}, success {envelope.Success} without an error";

        if (status == 429 || code == 10429)
        {
            var (retryAfter, asked) = RetryAfterOf(response);
            var until = _time.GetUtcNow() + retryAfter;
            lock (_gate)
            {
                if (until > _blockedUntil)
                {
                    _blockedUntil = until;
                }
            }

            LogRateLimited(Seconds(retryAfter), codeText ?? "none");
            var told = asked is { } wait && wait != retryAfter
                ? $"Retry-After {Seconds(wait)} s, capped at {Seconds(WaitLimits.MaxProviderWait)} s"
                : asked is null ? $"no usable Retry-After, {Seconds(retryAfter)} s by default" : "Retry-After";
            var message = $"{what}: {detail}; no request to Cloudflare for {Seconds(retryAfter)} s ({told})";
            return Reply<T>.Failed(Failure(DnsProviderError.RateLimited, message, codeText ?? "10429", retryAfter), retryableWrite: false);
        }

        var kind = code switch
        {
            9109 or 10000 or 9106 or 6003 or 6111 => DnsProviderError.Unauthorized,
            _ when status is 401 or 403 => DnsProviderError.Unauthorized,
            _ when status >= 500 => DnsProviderError.Unavailable,
            _ when envelope is null => DnsProviderError.Unavailable,
            81044 => DnsProviderError.StateChanged,
            _ => DnsProviderError.Rejected,
        };
        var noRoute = code is 7000 or 7001 || (status is 404 or 405 && envelope is null);
        return new Reply<T>(null, Failure(kind, $"{what}: {detail}", codeText), status >= 500, noRoute);
    }

    /// <summary>The wait a 429 imposes (its <c>Retry-After</c>, one hour at most; a minute without one) and what the header asked for.</summary>
    private (TimeSpan Wait, TimeSpan? Asked) RetryAfterOf(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var asked = header?.Delta ?? (header?.Date is { } date ? date - _time.GetUtcNow() : null);
        return asked is { } positive && positive > TimeSpan.Zero ? (WaitLimits.CapProviderWait(positive), positive) : (DefaultRetryAfter, null);
    }

    /// <summary>Refuses the request without sending it while a 429 holds, or when the budget is spent; else counts it in the budget.</summary>
    private void HoldBack(Call call)
    {
        var now = _time.GetUtcNow();
        DateTimeOffset blockedUntil;
        var budgetWait = TimeSpan.Zero;
        var spent = false;
        var firstRefusal = false;
        lock (_gate)
        {
            blockedUntil = _blockedUntil;
            if (now >= blockedUntil)
            {
                spent = !_budget.TryTake(out budgetWait);
                firstRefusal = spent && !_budgetSpentLogged;
                _budgetSpentLogged = spent;
            }
        }

        if (now < blockedUntil)
        {
            var wait = blockedUntil - now;
            LogHeldBack(call.What, Seconds(wait));
            throw Failure(DnsProviderError.RateLimited,
                $"Cloudflare {call.What}: not sent, Cloudflare answered 429 and asked for no request before {blockedUntil:u} ({Seconds(wait)} s from now)",
                "10429", wait);
        }

        if (spent)
        {
            if (firstRefusal)
            {
                LogBudgetSpent(_budget.Limit, Seconds(budgetWait));
            }

            throw Failure(DnsProviderError.RateLimited,
                $"Cloudflare {call.What}: not sent, the client-side budget of {_budget.Limit} requests per 5 minutes is spent; the next request may go in {Seconds(budgetWait)} s",
                retryAfter: budgetWait);
        }
    }

    private static bool IsUnexpected(Exception e, CancellationToken cancellationToken) =>
        e is not DnsProviderException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private static DnsProviderException Unexpected(Call call, Exception e) =>
        Failure(DnsProviderError.Unavailable, $"Cloudflare {call.What} failed: {e.GetType().Name}: {ProviderText.Clip(e.Message)}", inner: e);

    private static DnsProviderException Failure(DnsProviderError kind, string message, string? code = null, TimeSpan? retryAfter = null, Exception? inner = null) =>
        new(Provider, kind, message, code, retryAfter, inner);

    private static string PathOf(string url) => new Uri(url).PathAndQuery;

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>One public call (a read or an apply): what it is for messages, its retry rule, the requests it sent.</summary>
    private sealed class Call(string what, bool idempotent)
    {
        public string What { get; } = what;

        public bool Idempotent { get; } = idempotent;

        public int Requests { get; set; }
    }

    /// <summary>Why an apply is refused before sending anything: for the log line and the exception.</summary>
    private sealed record Refusal(string Name, string Type, string Detail, DnsProviderException Error);

    /// <summary>
    /// The answer of one attempt: the envelope, or the error with whether a write may be retried, whether the route
    /// does not exist, and whether no retry may help (<paramref name="Final"/>: an answer over the size cap).
    /// </summary>
    private readonly record struct Reply<T>(CloudflareEnvelope<T>? Envelope, DnsProviderException? Error, bool RetryableWrite, bool NoRoute, bool Final = false)
    {
        public static Reply<T> Failed(DnsProviderException error, bool retryableWrite) => new(null, error, retryableWrite, false);

        public CloudflareEnvelope<T> GetOrThrow() => Error is null ? Envelope! : throw Error;
    }
}
