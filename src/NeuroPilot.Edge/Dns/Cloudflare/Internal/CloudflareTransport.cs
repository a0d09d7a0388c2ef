using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns.Internal;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>
/// Cloudflare API transport: HTTP with the Bearer token, the JSON envelope, retries of transient failures
/// (<see cref="CloudflareProvider.MaxAttempts"/> attempts, full-jitter <see cref="Backoff"/>), and the two reasons not to
/// send at all: a <c>429</c>'s <c>Retry-After</c> (believed up to <see cref="WaitLimits.MaxProviderWait"/>), during which
/// every call is refused without a request, and the client-side <see cref="RequestBudget"/>. Answers are read through
/// the size cap of <see cref="AnswerReader"/>. A failed answer is classified into the contract's
/// <see cref="DnsProviderError"/> and returned, not thrown (<see cref="CloudflareReply{T}"/>). Thread-safe.
/// </summary>
internal sealed partial class CloudflareTransport : IDisposable
{
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _client;
    private readonly RequestBudget _budget;
    private readonly AnswerReader _answers;
    private readonly Lock _gate = new();

    // Guarded by _gate.
    private DateTimeOffset _blockedUntil = DateTimeOffset.MinValue;
    private bool _budgetSpentLogged;

    private int _requestsSent;

    /// <param name="options">The request budget, the timeout, and (for the default handler) the API base URL.</param>
    /// <param name="token">The API token, already checked: sent as <c>Authorization: Bearer</c> only.</param>
    /// <param name="time">The clock of timeouts, backoff, the budget and <c>Retry-After</c>.</param>
    /// <param name="logger">The provider's logger.</param>
    /// <param name="handler">The HTTP handler (owned and disposed), or null for the default one.</param>
    /// <param name="maxAnswerBytes">The most bytes of one answer taken in, after decompression.</param>
    public CloudflareTransport(CloudflareOptions options, string token, TimeProvider time, ILogger logger, HttpMessageHandler? handler, int maxAnswerBytes)
    {
        _timeout = options.RequestTimeout;
        _time = time;
        _logger = logger;
        _budget = new RequestBudget(options.RequestsPerFiveMinutes, time);
        _answers = new AnswerReader(maxAnswerBytes);

        // Timeouts are ours, per request, on the TimeProvider: the client's own is off.
        _client = new HttpClient(handler ?? CreateHandler(options), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _client.DefaultRequestHeaders.UserAgent.ParseAdd($"neuropilot-edge/{EdgeVersion.Current}");
        _client.DefaultRequestHeaders.Accept.ParseAdd("application/json");
    }

    /// <summary>HTTP requests sent since construction, retries included (refused calls send none).</summary>
    public int RequestsSent => Volatile.Read(ref _requestsSent);

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

    /// <summary>
    /// One API request with its retries. Reads retry every transient failure; writes only a failure before any
    /// answer (connection refused, timeout) or a 5xx (a batch is a transaction: a 5xx applied nothing). Each attempt
    /// is refused without a request while a 429 holds or the budget is spent. A final failure is returned, not thrown.
    /// </summary>
    public async Task<CloudflareReply<T>> SendAsync<T>(
        HttpMethod method, string url, byte[]? body, JsonTypeInfo<CloudflareEnvelope<T>> typeInfo, CloudflareCall call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            HoldBack(call);
            Interlocked.Increment(ref _requestsSent);
            call.Requests++;
            var reply = await SendOnceAsync(method, url, body, typeInfo, call, cancellationToken);
            if (reply.Error is null)
            {
                return reply;
            }

            var retryable = !reply.Final && reply.Error.Kind == DnsProviderError.Unavailable && (call.Idempotent || reply.RetryableWrite);
            if (!retryable || attempt >= CloudflareProvider.MaxAttempts)
            {
                LogCallFailed(call.What, reply.Error.Kind.ToString(), reply.Error.Code ?? "none", attempt, reply.Error.Message);
                return reply;
            }

            var delay = Backoff.Delay(attempt, CloudflareProvider.RetryBackoffFirst, CloudflareProvider.RetryBackoffCap, 0, Random.Shared.NextDouble());
            LogRetrying(call.What, attempt, CloudflareProvider.MaxAttempts, (long)delay.TotalMilliseconds, reply.Error.Message);
            await Task.Delay(delay, _time, cancellationToken);
        }
    }

    private async Task<CloudflareReply<T>> SendOnceAsync<T>(
        HttpMethod method, string url, byte[]? body, JsonTypeInfo<CloudflareEnvelope<T>> typeInfo, CloudflareCall call, CancellationToken cancellationToken)
    {
        var what = $"Cloudflare {call.What} ({method} {PathOf(url)})";
        using var timeout = new CancellationTokenSource(_timeout, _time);
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
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            return CloudflareReply<T>.Failed(CloudflareErrors.Failure(DnsProviderError.Unavailable, $"{what} timed out after {CloudflareErrors.Seconds(_timeout)} s without an answer", inner: e), retryableWrite: true);
        }
        catch (HttpRequestException e)
        {
            return CloudflareReply<T>.Failed(CloudflareErrors.Failure(DnsProviderError.Unavailable, $"{what} failed before an answer: {e.Message}", inner: e), retryableWrite: true);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            AnswerBody answer;
            try
            {
                answer = await _answers.ReadAsync(response.Content, linked.Token);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // InvalidDataException: a compressed body that does not decompress.
                var how = e is OperationCanceledException ? $"timed out after {CloudflareErrors.Seconds(_timeout)} s" : ProviderText.Clip(e.Message);
                return CloudflareReply<T>.Failed(CloudflareErrors.Failure(DnsProviderError.Unavailable, $"{what}: HTTP {status}, reading the answer failed: {how}", inner: e), retryableWrite: status >= 500);
            }

            using (answer)
            {
                LogRequest(method.Method, PathOf(url), status, (long)_time.GetElapsedTime(started).TotalMilliseconds);
                if (answer.IsTooLarge)
                {
                    if (status == 429)
                    {
                        return Classify<T>(response, status, null, _answers.MaxBytes, what);
                    }

                    // Retrying would read the same again: fail the call, the reconciler backs off.
                    return new CloudflareReply<T>(null, CloudflareErrors.Failure(DnsProviderError.Unavailable,
                        $"{what}: HTTP {status}, Cloudflare answer larger than {_answers.MaxBytes / (1024 * 1024)} MiB (after decompression); not read further"), false, false, Final: true);
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
                    return new CloudflareReply<T>(envelope, null, false, false);
                }

                return Classify(response, status, envelope, answer.Length, what);
            }
        }
    }

    /// <summary>Turns a failed answer into the error of the contract, and starts the hold-back of a 429.</summary>
    private CloudflareReply<T> Classify<T>(HttpResponseMessage response, int status, CloudflareEnvelope<T>? envelope, int length, string what)
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

            LogRateLimited(CloudflareErrors.Seconds(retryAfter), codeText ?? "none");
            var told = asked is { } wait && wait != retryAfter
                ? $"Retry-After {CloudflareErrors.Seconds(wait)} s, capped at {CloudflareErrors.Seconds(WaitLimits.MaxProviderWait)} s"
                : asked is null ? $"no usable Retry-After, {CloudflareErrors.Seconds(retryAfter)} s by default" : "Retry-After";
            var message = $"{what}: {detail}; no request to Cloudflare for {CloudflareErrors.Seconds(retryAfter)} s ({told})";
            return CloudflareReply<T>.Failed(CloudflareErrors.Failure(DnsProviderError.RateLimited, message, codeText ?? "10429", retryAfter), retryableWrite: false);
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
        return new CloudflareReply<T>(null, CloudflareErrors.Failure(kind, $"{what}: {detail}", codeText), status >= 500, noRoute);
    }

    /// <summary>The wait a 429 imposes (its <c>Retry-After</c>, one hour at most; a minute without one) and what the header asked for.</summary>
    private (TimeSpan Wait, TimeSpan? Asked) RetryAfterOf(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var asked = header?.Delta ?? (header?.Date is { } date ? date - _time.GetUtcNow() : null);
        return asked is { } positive && positive > TimeSpan.Zero ? (WaitLimits.CapProviderWait(positive), positive) : (CloudflareProvider.DefaultRetryAfter, null);
    }

    /// <summary>Refuses the request without sending it while a 429 holds, or when the budget is spent; else counts it in the budget.</summary>
    private void HoldBack(CloudflareCall call)
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
            LogHeldBack(call.What, CloudflareErrors.Seconds(wait));
            throw CloudflareErrors.Failure(DnsProviderError.RateLimited,
                $"Cloudflare {call.What}: not sent, Cloudflare answered 429 and asked for no request before {blockedUntil:u} ({CloudflareErrors.Seconds(wait)} s from now)",
                "10429", wait);
        }

        if (spent)
        {
            if (firstRefusal)
            {
                LogBudgetSpent(_budget.Limit, CloudflareErrors.Seconds(budgetWait));
            }

            throw CloudflareErrors.Failure(DnsProviderError.RateLimited,
                $"Cloudflare {call.What}: not sent, the client-side budget of {_budget.Limit} requests per 5 minutes is spent; the next request may go in {CloudflareErrors.Seconds(budgetWait)} s",
                retryAfter: budgetWait);
        }
    }

    private static string PathOf(string url) => new Uri(url).PathAndQuery;
}
