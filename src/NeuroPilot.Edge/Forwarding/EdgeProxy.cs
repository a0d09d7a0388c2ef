using System.Diagnostics;
using Microsoft.Extensions.ObjectPool;
using NeuroPilot.Edge.ClientIdentity;
using NeuroPilot.Edge.Failover;
using NeuroPilot.Edge.Limits;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Forwarding;

/// <summary>
/// The request path: match a service, resolve the client, apply the service's limits (413/429/503 at once, never
/// forwarded), check its JWT when it has a <c>Jwt</c> section (a refused request is answered 401 here and goes no
/// further), choose a destination (first usable region in priority order), forward with the engine
/// <c>Edge.Engine</c> names (<see cref="Http1Engine"/> or <see cref="YarpEngine"/>), feed the outcome to the destination's breaker, and on a retryable failure
/// before the response started, retry on another destination within the retry budget. No locks, no logging per
/// request; the per-request state object is pooled.
/// </summary>
public sealed class EdgeProxy(EdgeRuntime runtime, YarpEngine yarp, Http1Engine fast, EdgeMetrics metrics, TimeProvider time)
{
    private const int ClientClosedRequest = 499;

    private static readonly string[] SecondsText = [.. Enumerable.Range(0, 61).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private readonly Prometheus.Counter.Child _noService = metrics.Unrouted.WithLabels("no_service");
    private readonly Prometheus.Counter.Child _noRegion = metrics.Unrouted.WithLabels("no_region");
    private readonly Prometheus.Gauge _inFlight = metrics.InFlight;
    private readonly ObjectPool<ForwardAttempt> _attempts =
        new DefaultObjectPool<ForwardAttempt>(new AttemptPolicy(time), Environment.ProcessorCount * 64);

    public Task InvokeAsync(HttpContext context)
    {
        var table = runtime.Table;
        var service = table.Match(context.Request);
        if (service is null)
        {
            _noService.Inc();
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        var client = table.Clients.Resolve(context);
        if (service.Limits is not { } limits)
        {
            return AuthenticateAndForward(context, service, client, slot: null);
        }

        // The cheap refusals come first (a flood of forged tokens is rate limited before a signature is checked).
        var decision = limits.AdmitAtOnce(context.Request.ContentLength, client.Address, out var retryAfter, out var needsQueue);
        if (decision != LimitDecision.Admitted)
        {
            return Shed(context, service, decision, retryAfter);
        }

        return needsQueue ? QueueThenForwardAsync(context, service, client, limits.InFlight!) : AuthenticateAndForward(context, service, client, limits.InFlight);
    }

    /// <summary>Every in-flight slot is busy: wait in the service's queue (bounded in length and time) or be shed.</summary>
    private async Task QueueThenForwardAsync(HttpContext context, ServiceRoute service, ClientAddress client, InFlightLimiter inFlight)
    {
        var decision = await inFlight.EnterQueuedAsync(context.RequestAborted);
        if (decision != LimitDecision.Admitted)
        {
            await Shed(context, service, decision, TimeSpan.Zero);
            return;
        }

        await AuthenticateAndForward(context, service, client, inFlight);
    }

    /// <summary>The service's JWT check (401 written by it on failure), then the forwarding.</summary>
    private Task AuthenticateAndForward(HttpContext context, ServiceRoute service, ClientAddress client, InFlightLimiter? slot)
    {
        if (service.Jwt is { } jwt && !jwt.Authenticate(context))
        {
            slot?.Exit();
            return Task.CompletedTask;
        }

        return ChooseAndForward(context, service, client, slot);
    }

    /// <param name="slot">The in-flight limiter whose slot this request holds (given back when it ends), or null.</param>
    private Task ChooseAndForward(HttpContext context, ServiceRoute service, ClientAddress client, InFlightLimiter? slot)
    {
        var destination = service.ChooseFirst(out var region);
        if (destination is null || region is null)
        {
            slot?.Exit();
            _noRegion.Inc();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = SecondsText[1];
            return Task.CompletedTask;
        }

        return ForwardAsync(context, service, region, destination, client, slot);
    }

    /// <summary>
    /// Answers a request the service's limits refused, at once and without forwarding it: 413, or 429/503 with
    /// <c>Retry-After</c> (whole seconds, at least 1). Never charged to an upstream.
    /// </summary>
    private static Task Shed(HttpContext context, ServiceRoute service, LimitDecision decision, TimeSpan retryAfter)
    {
        service.Metrics.RecordShed(decision);
        var response = context.Response;
        if (decision == LimitDecision.BodyTooLarge)
        {
            response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            response.Headers.Connection = "close";
            return Task.CompletedTask;
        }

        response.StatusCode = decision == LimitDecision.RateLimited ? StatusCodes.Status429TooManyRequests : StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = RetryAfterSeconds(retryAfter);
        return Task.CompletedTask;
    }

    private static string RetryAfterSeconds(TimeSpan wait)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        return seconds < SecondsText.Length ? SecondsText[seconds] : seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task ForwardAsync(HttpContext context, ServiceRoute service, RegionRoute region, DestinationState destination, ClientAddress client, InFlightLimiter? slot)
    {
        // Locals that live across the await are the size of this method's state machine, allocated per request:
        // what can be read again from the service or the runtime is read again.
        var started = Stopwatch.GetTimestamp();
        var replayable = RequestReplay.Prepare(context, service.Options.Retry);
        var attempt = _attempts.Get();
        attempt.RetryOnStatusCodes = service.Options.Retry.RetryOnStatusCodes;
        attempt.Client = client;
        var bodyPending = attempt.WatchRequestBody(context, service.Limits?.MaxRequestBodySize);
        context.Features.Set(attempt);
        service.Budget.OnRequestStarted();
        _inFlight.Inc();
        var chargedRetry = false;
        var bodyTooLarge = false;
        var result = AttemptResult.Success;
        var error = ForwarderError.None;
        try
        {
            while (true)
            {
                attempt.Route = (service, region);
                attempt.Begin(destination, service.Options.Retry.PerTryTimeout, bodyPending);
                attempt.MayRetry = replayable && attempt.Attempts < service.Options.Retry.MaxAttempts;
                destination.OnRequestStarted();
                try
                {
                    var engine = runtime.Config.Edge.Engine == Configuration.ForwardingEngine.Fast ? (IForwardingEngine)fast : yarp;
                    error = await engine.SendAsync(context, service, destination, attempt.PerTryToken);
                }
                finally
                {
                    destination.OnRequestEnded();
                    attempt.End();
                    if (chargedRetry)
                    {
                        service.Budget.OnRetryEnded();
                        chargedRetry = false;
                    }
                }

                result = AttemptClassifier.Classify(context, error, attempt, service.Options.CircuitBreaker);
                AttemptEvidence.Record(destination, result);
                if (!MayRetryAfter(context, result, attempt) || !attempt.TryReserveRetry())
                {
                    break;
                }

                chargedRetry = attempt.TakeReservation(out destination, out region);
                service.Metrics.RecordRetry(result);
                RequestReplay.Rewind(context);
            }
        }
        finally
        {
            slot?.Exit();
            service.Budget.OnRequestEnded();
            _inFlight.Dec();
            bodyTooLarge = attempt.BodyTooLarge;
            context.Features.Set<ForwardAttempt>(null);
            _attempts.Return(attempt);
        }

        Complete(context, new Outcome(service, region, destination, client.Address, result, error, bodyTooLarge), started);
    }

    /// <summary>Where a request ended up and how: what <see cref="Complete"/> answers, counts and logs.</summary>
    private readonly record struct Outcome(ServiceRoute Service, RegionRoute Region, DestinationState Destination, string? Client, AttemptResult Result, ForwarderError Error, bool BodyTooLarge);

    /// <summary>After the last attempt: the error status when nothing was relayed, the request's metrics and its access log line.</summary>
    private void Complete(HttpContext context, in Outcome outcome, long started)
    {
        if (!context.Response.HasStarted)
        {
            SetErrorStatus(context, outcome.Result, outcome.BodyTooLarge);
        }

        if (outcome.BodyTooLarge)
        {
            outcome.Service.Metrics.RecordShed(LimitDecision.BodyTooLarge);
        }

        var status = outcome.Result == AttemptResult.ClientFailure && context.RequestAborted.IsCancellationRequested
            ? ClientClosedRequest
            : context.Response.StatusCode;
        var elapsed = Stopwatch.GetElapsedTime(started);
        outcome.Region.Metrics.RecordRequest(status, elapsed.TotalSeconds);

        if (runtime.AccessLog is { } accessLog)
        {
            WriteAccessLog(accessLog, context, outcome, status, elapsed);
        }
    }

    /// <summary>
    /// Whether the request may go to another destination after this attempt: a retryable failure, a replayable request
    /// with attempts left, nothing sent to the client yet. A failure status that went to the client (no retry could be
    /// reserved when its headers came) is final: the decision is made once.
    /// </summary>
    private static bool MayRetryAfter(HttpContext context, AttemptResult result, ForwardAttempt attempt) =>
        AttemptClassifier.IsRetryable(result) && attempt.MayRetry && !context.Response.HasStarted &&
        (result != AttemptResult.FailureStatus || attempt.InterceptedStatus != 0);

    /// <summary>The status of a request that got no upstream response to relay.</summary>
    private static void SetErrorStatus(HttpContext context, AttemptResult result, bool bodyTooLarge)
    {
        if (bodyTooLarge)
        {
            // A chunked body ran past MaxRequestBodySize: the client's doing, whatever the upstream made of the cut.
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            context.Response.Headers.Connection = "close";
            return;
        }

        switch (result)
        {
            case AttemptResult.PerTryTimeout:
                context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
                break;
            case AttemptResult.InvalidResponse:
                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
                break;
            case AttemptResult.RequestRejected:
                // The connection is not reused: after a refused CONNECT, a proxy in front may be sending tunnel bytes
                // that must not be parsed here as requests.
                context.Response.Clear();
                context.Response.StatusCode = AttemptClassifier.RejectionStatus(context);
                context.Response.Headers.Connection = "close";
                break;
        }
    }

    private void WriteAccessLog(AccessLog accessLog, HttpContext context, in Outcome outcome, int status, TimeSpan elapsed)
    {
        var request = context.Request;
        accessLog.Write(new AccessLogEntry(
            time.GetUtcNow(),
            request.Method,
            request.Host.Value ?? "",
            request.Path.Value ?? "/",
            status,
            elapsed.TotalMilliseconds,
            outcome.Service.Name,
            outcome.Region.Name,
            outcome.Destination.Address,
            outcome.Client,
            outcome.Error == ForwarderError.None ? null : outcome.Error.ToString(),
            request.Headers.TraceParent.Count > 0 ? request.Headers.TraceParent.ToString() : null));
    }

    private sealed class AttemptPolicy(TimeProvider time) : IPooledObjectPolicy<ForwardAttempt>
    {
        public ForwardAttempt Create() => new(time);

        public bool Return(ForwardAttempt attempt)
        {
            attempt.Reset();
            return true;
        }
    }
}
