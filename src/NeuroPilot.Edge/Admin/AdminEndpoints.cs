using System.Text;
using Microsoft.AspNetCore.Http.Features;
using NeuroPilot.Edge.Admin.Internal;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Admin;

/// <summary>
/// The admin listener: <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>, <c>/admin/status</c>, and the admin writes
/// (<c>POST /admin/reload</c>, region drain/undrain, <c>POST /admin/dns/force</c>), which need <c>Authorization: Bearer $NEUROPILOT_EDGE_ADMIN_TOKEN</c>
/// and are disabled when that variable is unset.
/// </summary>
public sealed partial class AdminEndpoints
{
    /// <summary>
    /// 64 KiB: no admin endpoint reads a body. A larger one is refused before anything else (413), and a request
    /// that came with a body is answered with <c>Connection: close</c>, so that an 8 GB upload without a token costs
    /// the edge one response, not seconds of draining at full CPU.
    /// </summary>
    public const long MaxRequestBodySize = 64 * 1024;

    /// <summary>How long <c>POST /admin/reload</c> waits for its reload before answering 202 (the reload goes on).</summary>
    public static readonly TimeSpan ReloadWait = TimeSpan.FromSeconds(10);

    private readonly EdgeRuntime _runtime;
    private readonly EdgeMetrics _metrics;
    private readonly AdminToken _token;
    private readonly Dns.DnsReconciler _dns;
    private readonly ConfigReloader _reloader;
    private readonly Health.HealthAgent _health;
    private readonly TimeProvider _time;
    private readonly ILogger<AdminEndpoints> _logger;
    private readonly Fleet.FleetMembership? _fleet;

    public AdminEndpoints(
        EdgeRuntime runtime, EdgeMetrics metrics, AdminToken token, Dns.DnsReconciler dns, ConfigReloader reloader, Health.HealthAgent health,
        TimeProvider time, ILogger<AdminEndpoints> logger, Fleet.FleetMembership? fleet = null)
    {
        (_runtime, _metrics, _token, _dns, _reloader, _health, _time, _logger) = (runtime, metrics, token, dns, reloader, health, time, logger);
        _fleet = fleet;
        Routes = new AdminRouteTable(
        [
            AdminRoute.Get("/healthz", (context, _) => WriteTextAsync(context, StatusCodes.Status200OK, "ok\n")),
            AdminRoute.Get("/readyz", ReadyAsync),
            AdminRoute.Get("/metrics", MetricsAsync),
            AdminRoute.Get("/admin/status", StatusAsync),
            AdminRoute.Get("/admin/fleet", FleetAsync),
            AdminRoute.Write("/admin/reload", ReloadAsync),
            AdminRoute.Write("/admin/dns/force", ForceDnsAsync),
            AdminRoute.Write("/admin/services/{service}/regions/{region}/drain", (context, values) => DrainAsync(context, values, drain: true)),
            AdminRoute.Write("/admin/services/{service}/regions/{region}/undrain", (context, values) => DrainAsync(context, values, drain: false)),
        ]);
    }

    internal AdminRouteTable Routes { get; }

    public async Task InvokeAsync(HttpContext context)
    {
        if (await RefusedBodyAsync(context))
        {
            return;
        }

        var request = context.Request;
        var match = Routes.Match(request.Method, request.Path.Value ?? "/");
        if (match.Route is { } route)
        {
            if (!route.IsWrite || await AuthorizeAsync(context))
            {
                await route.Handler(context, match.Values!);
            }

            return;
        }

        if (match.Allow is { } allow)
        {
            context.Response.Headers.Allow = allow;
            await WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, $"method not allowed: use {allow}\n");
            return;
        }

        await WriteTextAsync(context, StatusCodes.Status404NotFound, "not found: try /healthz, /readyz, /metrics, /admin/status\n");
    }

    /// <summary>Caps the body; a request that has one gets <c>Connection: close</c>, and one over the cap a 413 (true).</summary>
    private static async Task<bool> RefusedBodyAsync(HttpContext context)
    {
        var request = context.Request;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = MaxRequestBodySize;
        }

        if (!HasBody(request))
        {
            return false;
        }

        // Never drained: the connection ends with this response.
        context.Response.Headers.Connection = "close";
        if (request.ContentLength > MaxRequestBodySize)
        {
            await WriteTextAsync(context, StatusCodes.Status413PayloadTooLarge, $"admin requests carry no body (at most {MaxRequestBodySize / 1024} KiB)\n");
            return true;
        }

        return false;
    }

    private Task ReadyAsync(HttpContext context, IReadOnlyDictionary<string, string> values)
    {
        if (_fleet is { DrainsKnown: false })
        {
            return WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, "not ready: the fleet's drains are not read from etcd yet\n");
        }

        var notReady = NotReadyServices();
        return WriteTextAsync(
            context,
            notReady.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable,
            notReady.Count == 0 ? "ready\n" : $"not ready: no usable region for {string.Join(", ", notReady)}\n");
    }

    private Task MetricsAsync(HttpContext context, IReadOnlyDictionary<string, string> values)
    {
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        return _metrics.ExportAsTextAsync(context.Response.Body, context.RequestAborted);
    }

    private async Task StatusAsync(HttpContext context, IReadOnlyDictionary<string, string> values)
    {
        context.Response.ContentType = "application/json";
        StatusJson.From(_runtime, _dns.Status).WriteTo(context.Response.BodyWriter);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private async Task FleetAsync(HttpContext context, IReadOnlyDictionary<string, string> values)
    {
        context.Response.ContentType = "application/json";
        FleetStatusJson.From(_fleet, _dns.QuorumDecisions).WriteTo(context.Response.BodyWriter);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private async Task ReloadAsync(HttpContext context, IReadOnlyDictionary<string, string> values)
    {
        ReloadResult result;
        try
        {
            result = await _reloader.RequestAsync("admin API").WaitAsync(ReloadWait, _time, context.RequestAborted);
        }
        catch (TimeoutException)
        {
            await WriteTextAsync(context, StatusCodes.Status202Accepted, "reload still running (the file is slow to read): see the log and /metrics\n");
            return;
        }

        await WriteTextAsync(
            context,
            result == ReloadResult.Rejected ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK,
            $"{result.ToString().ToLowerInvariant()}\n");
    }

    private Task ForceDnsAsync(HttpContext context, IReadOnlyDictionary<string, string> values)
    {
        if (_runtime.Config.Dns is null)
        {
            return WriteTextAsync(context, StatusCodes.Status404NotFound, "DNS push is not configured (no Dns section)\n");
        }

        LogDnsForced();
        _dns.Force();
        return WriteTextAsync(context, StatusCodes.Status202Accepted, "DNS round requested with the change cap lifted: see /admin/status\n");
    }

    private List<string> NotReadyServices()
    {
        var notReady = new List<string>();
        foreach (var service in _runtime.Table.Services)
        {
            if (service.Health.Serving is null)
            {
                notReady.Add(service.Name);
            }
        }

        return notReady;
    }

    private async Task DrainAsync(HttpContext context, IReadOnlyDictionary<string, string> values, bool drain)
    {
        var (serviceName, regionName) = (values["service"], values["region"]);
        var service = _runtime.Table.Find(serviceName);
        var region = service is null ? null : Array.Find(service.Regions, r => string.Equals(r.Name, regionName, StringComparison.OrdinalIgnoreCase));
        if (service is null || region is null)
        {
            await WriteTextAsync(context, StatusCodes.Status404NotFound, $"no region \"{regionName}\" in service \"{serviceName}\"\n");
            return;
        }

        if (_fleet is not null && await _fleet.Drains.SetAsync(region.Service, region.Name, drain, Operator(context), context.RequestAborted) is { } notRecorded)
        {
            // In a fleet a drain is the fleet's: one only this edge knew would be undone by the next read of etcd.
            await WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, $"{region.Service}/{region.Name} not {(drain ? "drained" : "undrained")}: the fleet's etcd did not record it ({notRecorded})\n");
            return;
        }

        region.State.Drained = drain;

        // Routing follows the published health: decide it now, not at the next tick.
        _health.Evaluate(service);
        LogDrain(drain ? "drained" : "undrained", region.Service, region.Name);
        await WriteTextAsync(context, StatusCodes.Status200OK, $"{region.Service}/{region.Name} {(drain ? "drained" : "undrained")}{(_fleet is null ? "" : " for the whole fleet")}\n");
    }

    /// <summary>Who asked, for the fleet's drain audit: the <c>X-Operator</c> header (clipped), else the caller's address.</summary>
    private static string Operator(HttpContext context)
    {
        var named = context.Request.Headers["X-Operator"].ToString();
        if (named.Length > 0 && named.All(c => c >= ' ' && c < 0x7f))
        {
            return named.Length > 64 ? named[..64] : named;
        }

        return $"admin API client {context.Connection.RemoteIpAddress}";
    }

    private async Task<bool> AuthorizeAsync(HttpContext context)
    {
        switch (_token.Check(context.Request.Headers.Authorization))
        {
            case AdminToken.Result.Allowed:
                return true;
            case AdminToken.Result.Disabled:
                await WriteTextAsync(context, StatusCodes.Status403Forbidden, "admin writes are disabled: set NEUROPILOT_EDGE_ADMIN_TOKEN to enable them\n");
                return false;
            default:
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await WriteTextAsync(context, StatusCodes.Status401Unauthorized, "missing or wrong bearer token\n");
                return false;
        }
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    private static Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text, Encoding.UTF8);
    }
}
