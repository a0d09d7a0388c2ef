using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Forwarding;

/// <summary>
/// The request path: match a service, take its first usable region, pick a destination, forward with YARP's
/// <see cref="IHttpForwarder"/>, record the outcome. No locks, no logging per request, no allocation of ours
/// beyond what the forwarder itself needs.
/// </summary>
public sealed class EdgeProxy(EdgeRuntime runtime, IHttpForwarder forwarder, EdgeMetrics metrics, TimeProvider time)
{
    private const int ClientClosedRequest = 499;

    private readonly Prometheus.Counter.Child _noService = metrics.Unrouted.WithLabels("no_service");
    private readonly Prometheus.Counter.Child _noRegion = metrics.Unrouted.WithLabels("no_region");
    private readonly Prometheus.Gauge _inFlight = metrics.InFlight;

    public Task InvokeAsync(HttpContext context)
    {
        var service = runtime.Table.Match(context.Request);
        if (service is null)
        {
            _noService.Inc();
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        var region = service.SelectRegion();
        var destination = region?.PickDestination();
        if (region is null || destination is null)
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
        destination.OnRequestStarted();
        _inFlight.Inc();
        ForwarderError error;
        try
        {
            error = await forwarder.SendAsync(
                context,
                destination.Prefix,
                service.Client,
                service.RequestConfig,
                service.Options.PreserveHost ? ForwardingTransformer.PreservingHost : ForwardingTransformer.Standard);
        }
        finally
        {
            destination.OnRequestEnded();
            _inFlight.Dec();
        }

        var status = error == ForwarderError.RequestCanceled || (error != ForwarderError.None && context.RequestAborted.IsCancellationRequested)
            ? ClientClosedRequest
            : context.Response.StatusCode;
        var elapsed = Stopwatch.GetElapsedTime(started);
        region.Metrics.RecordRequest(status, elapsed.TotalSeconds);

        if (runtime.AccessLog is { } accessLog)
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
    }
}
