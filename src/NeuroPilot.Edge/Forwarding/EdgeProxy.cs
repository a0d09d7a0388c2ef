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
/// The request path: match a service, choose a destination (first usable region in priority order), forward with
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
        context.Features.Set(attempt);
        service.Budget.OnRequestStarted();
        _inFlight.Inc();
        var inRetry = false;
        var result = AttemptResult.Success;
        var error = ForwarderError.None;
        try
        {
            while (true)
            {
                attempt.Begin(destination, retry.PerTryTimeout);

                // A failure status is held back only when a retry can follow; otherwise the client gets it whole
                // (with its headers, Retry-After say).
                attempt.MayRetry = replayable && attempt.Attempts < retry.MaxAttempts && service.Budget.CanRetry();
                attempt.Route = (service, region);
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
                    if (inRetry)
                    {
                        service.Budget.OnRetryEnded();
                        inRetry = false;
                    }
                }

                result = AttemptClassifier.Classify(context, error, attempt, breakerOptions);
                Feed(destination, result);
                if (result == AttemptResult.FailureStatus && attempt.InterceptedStatus == 0 && replayable &&
                    attempt.Attempts < retry.MaxAttempts && !service.Budget.CanRetry())
                {
                    // A retryable status went to the client because the budget was already spent.
                    service.Metrics.BudgetExhausted.Inc();
                }

                if (result == AttemptResult.Success || !AttemptClassifier.IsRetryable(result) || !replayable ||
                    attempt.Attempts >= retry.MaxAttempts || context.Response.HasStarted)
                {
                    break;
                }

                var next = service.ChooseRetry(region, attempt, out var nextRegion);
                if (next is null || nextRegion is null)
                {
                    break;
                }

                // Moving a request off a destination that health has already taken out, onto an available one, is
                // failover, bounded by the requests caught there: it is not charged to the budget. Every other retry
                // (the failed destination still looks fine, or nothing is available: panic) is.
                var failover = !destination.IsAvailable && next.IsAvailable;
                if (!failover && !service.Budget.TryStartRetry())
                {
                    service.Metrics.BudgetExhausted.Inc();
                    break;
                }

                inRetry = !failover;
                service.Metrics.RecordRetry(result);
                RequestReplay.Rewind(context);
                destination = next;
                region = nextRegion;
            }
        }
        finally
        {
            service.Budget.OnRequestEnded();
            _inFlight.Dec();
            context.Features.Set<ForwardAttempt>(null);
            _attempts.Return(attempt);
        }

        if (result == AttemptResult.PerTryTimeout && !context.Response.HasStarted)
        {
            context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
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

    private static void Feed(DestinationState destination, AttemptResult result)
    {
        switch (result)
        {
            case AttemptResult.Success:
                destination.Breaker.OnSuccess();
                break;
            case AttemptResult.ClientFailure:
                break;
            default:
                destination.Breaker.OnFailure(ServiceMetrics.ReasonLabel(result));
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
            context.Connection.RemoteIpAddress?.ToString(),
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
