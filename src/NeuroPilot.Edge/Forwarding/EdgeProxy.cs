using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.ObjectPool;
using NeuroPilot.Edge.Failover;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Forwarding;

/// <summary>
/// The request path: match a service, check its JWT when it has a <c>Jwt</c> section (a refused request is answered
/// 401 here and goes no further), choose a destination (first usable region in priority order), forward with
/// YARP's <see cref="IHttpForwarder"/>, feed the outcome to the destination's breaker, and on a retryable failure
/// before the response started, retry on another destination within the retry budget. No locks, no logging per
/// request; the per-request state object is pooled.
/// </summary>
public sealed class EdgeProxy(EdgeRuntime runtime, IHttpForwarder forwarder, EdgeMetrics metrics, TimeProvider time)
{
    private const int ClientClosedRequest = 499;

    private readonly Prometheus.Counter.Child _noService = metrics.Unrouted.WithLabels("no_service");
    private readonly Prometheus.Counter.Child _noRegion = metrics.Unrouted.WithLabels("no_region");
    private readonly Prometheus.Gauge _inFlight = metrics.InFlight;
    private readonly ObjectPool<ForwardAttempt> _attempts =
        new DefaultObjectPool<ForwardAttempt>(new AttemptPolicy(time), Environment.ProcessorCount * 64);

    public Task InvokeAsync(HttpContext context)
    {
        var service = runtime.Table.Match(context.Request);
        if (service is null)
        {
            _noService.Inc();
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        if (service.Jwt is { } jwt && !jwt.Authenticate(context))
        {
            return Task.CompletedTask;
        }

        var destination = service.ChooseFirst(out var region);
        if (destination is null || region is null)
        {
            _noRegion.Inc();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        }

        return ForwardAsync(context, service, region, destination);
    }

    private async Task ForwardAsync(HttpContext context, ServiceRoute service, RegionRoute region, DestinationState destination)
    {
        var started = Stopwatch.GetTimestamp();
        var retry = service.Options.Retry;
        var breakerOptions = service.Options.CircuitBreaker;
        var replayable = RequestReplay.Prepare(context, retry);
        var attempt = _attempts.Get();
        attempt.RetryOnStatusCodes = retry.RetryOnStatusCodes;
        var bodyPending = attempt.WatchRequestBody(context);
        context.Features.Set(attempt);
        service.Budget.OnRequestStarted();
        _inFlight.Inc();
        var chargedRetry = false;
        var result = AttemptResult.Success;
        var error = ForwarderError.None;
        try
        {
            while (true)
            {
                attempt.Route = (service, region);
                attempt.Begin(destination, retry.PerTryTimeout, bodyPending);
                attempt.MayRetry = replayable && attempt.Attempts < retry.MaxAttempts;
                destination.OnRequestStarted();
                try
                {
                    error = await forwarder.SendAsync(
                        context,
                        destination.Prefix,
                        service.Client,
                        service.RequestConfig,
                        service.Options.PreserveHost ? ForwardingTransformer.PreservingHost : ForwardingTransformer.Standard,
                        attempt.PerTryToken);
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

                result = AttemptClassifier.Classify(context, error, attempt, breakerOptions);
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
            service.Budget.OnRequestEnded();
            _inFlight.Dec();
            context.Features.Set<ForwardAttempt>(null);
            _attempts.Return(attempt);
        }

        if (!context.Response.HasStarted)
        {
            SetErrorStatus(context, result);
        }

        var status = result == AttemptResult.ClientFailure && context.RequestAborted.IsCancellationRequested
            ? ClientClosedRequest
            : context.Response.StatusCode;
        var elapsed = Stopwatch.GetElapsedTime(started);
        region.Metrics.RecordRequest(status, elapsed.TotalSeconds);

        if (runtime.AccessLog is { } accessLog)
        {
            WriteAccessLog(accessLog, context, service, region, destination, status, elapsed, error);
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
    private static void SetErrorStatus(HttpContext context, AttemptResult result)
    {
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

    private void WriteAccessLog(AccessLog accessLog, HttpContext context, ServiceRoute service, RegionRoute region,
        DestinationState destination, int status, TimeSpan elapsed, ForwarderError error)
    {
        var request = context.Request;
        accessLog.Write(new AccessLogEntry(
            time.GetUtcNow(),
            request.Method,
            request.Host.Value ?? "",
            request.Path.Value ?? "/",
            status,
            elapsed.TotalMilliseconds,
            service.Name,
            region.Name,
            destination.Address,
            ClientAddress.Of(context),
            error == ForwarderError.None ? null : error.ToString(),
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
