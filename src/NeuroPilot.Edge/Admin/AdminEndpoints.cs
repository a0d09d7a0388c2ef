using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Admin;

/// <summary>
/// The admin listener: <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>, <c>/admin/status</c>, and the admin writes
/// (<c>POST /admin/reload</c>, region drain/undrain, <c>POST /admin/dns/force</c>), which need <c>Authorization: Bearer $NEUROPILOT_EDGE_ADMIN_TOKEN</c>
/// and are disabled when that variable is unset.
/// </summary>
public sealed partial class AdminEndpoints(
    EdgeRuntime runtime, EdgeMetrics metrics, AdminToken token, Dns.DnsReconciler dns, ConfigReloader reloader, Health.HealthAgent health,
    TimeProvider time, ILogger<AdminEndpoints> logger)
{
    /// <summary>
    /// 64 KiB: no admin endpoint reads a body. A larger one is refused before anything else (413), and a request
    /// that came with a body is answered with <c>Connection: close</c>, so that an 8 GB upload without a token costs
    /// the edge one response, not seconds of draining at full CPU.
    /// </summary>
    public const long MaxRequestBodySize = 64 * 1024;

    /// <summary>How long <c>POST /admin/reload</c> waits for its reload before answering 202 (the reload goes on).</summary>
    public static readonly TimeSpan ReloadWait = TimeSpan.FromSeconds(10);

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = MaxRequestBodySize;
        }

        if (HasBody(request))
        {
            // Never drained: the connection ends with this response.
            context.Response.Headers.Connection = "close";
            if (request.ContentLength > MaxRequestBodySize)
            {
                await WriteTextAsync(context, StatusCodes.Status413PayloadTooLarge, $"admin requests carry no body (at most {MaxRequestBodySize / 1024} KiB)\n");
                return;
            }
        }

        var path = request.Path.Value ?? "/";
        var isGet = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        switch (path)
        {
            case "/healthz" when isGet:
                await WriteTextAsync(context, StatusCodes.Status200OK, "ok\n");
                return;
            case "/readyz" when isGet:
                var notReady = NotReadyServices();
                await WriteTextAsync(
                    context,
                    notReady.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable,
                    notReady.Count == 0 ? "ready\n" : $"not ready: no usable region for {string.Join(", ", notReady)}\n");
                return;
            case "/metrics" when isGet:
                context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
                return;
            case "/admin/status" when isGet:
                context.Response.ContentType = "application/json";
                await StatusWriter.WriteAsync(context.Response.BodyWriter, runtime, dns.Status);
                return;
            case "/admin/reload" when HttpMethods.IsPost(request.Method):
                if (await AuthorizeAsync(context))
                {
                    ReloadResult result;
                    try
                    {
                        result = await reloader.RequestAsync("admin API").WaitAsync(ReloadWait, time, context.RequestAborted);
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

                return;
            case "/admin/dns/force" when HttpMethods.IsPost(request.Method):
                if (await AuthorizeAsync(context))
                {
                    if (runtime.Config.Dns is null)
                    {
                        await WriteTextAsync(context, StatusCodes.Status404NotFound, "DNS push is not configured (no Dns section)\n");
                        return;
                    }

                    LogDnsForced();
                    dns.Force();
                    await WriteTextAsync(context, StatusCodes.Status202Accepted, "DNS round requested with the change cap lifted: see /admin/status\n");
                }

                return;
        }

        if (HttpMethods.IsPost(request.Method) && TryParseRegionAction(path, out var service, out var region, out var drain))
        {
            if (await AuthorizeAsync(context))
            {
                await DrainAsync(context, service, region, drain);
            }

            return;
        }

        await WriteTextAsync(context, StatusCodes.Status404NotFound, "not found: try /healthz, /readyz, /metrics, /admin/status\n");
    }

    private List<string> NotReadyServices()
    {
        var notReady = new List<string>();
        foreach (var service in runtime.Table.Services)
        {
            if (service.Health.Serving is null)
            {
                notReady.Add(service.Name);
            }
        }

        return notReady;
    }

    private async Task DrainAsync(HttpContext context, string serviceName, string regionName, bool drain)
    {
        var service = runtime.Table.Find(serviceName);
        var region = service is null ? null : Array.Find(service.Regions, r => string.Equals(r.Name, regionName, StringComparison.OrdinalIgnoreCase));
        if (service is null || region is null)
        {
            await WriteTextAsync(context, StatusCodes.Status404NotFound, $"no region \"{regionName}\" in service \"{serviceName}\"\n");
            return;
        }

        region.State.Drained = drain;

        // Routing follows the published health: decide it now, not at the next tick.
        health.Evaluate(service);
        LogDrain(drain ? "drained" : "undrained", region.Service, region.Name);
        await WriteTextAsync(context, StatusCodes.Status200OK, $"{region.Service}/{region.Name} {(drain ? "drained" : "undrained")}\n");
    }

    private async Task<bool> AuthorizeAsync(HttpContext context)
    {
        switch (token.Check(context.Request.Headers.Authorization))
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

    /// <summary>Parses <c>/admin/services/{service}/regions/{region}/drain</c> and <c>.../undrain</c>.</summary>
    internal static bool TryParseRegionAction(string path, out string service, out string region, out bool drain)
    {
        service = region = "";
        drain = false;
        var parts = path.Split('/');
        if (parts.Length != 7 || parts[0] != "" || parts[1] != "admin" || parts[2] != "services" || parts[4] != "regions" ||
            parts[3].Length == 0 || parts[5].Length == 0 || parts[6] is not ("drain" or "undrain"))
        {
            return false;
        }

        service = Uri.UnescapeDataString(parts[3]);
        region = Uri.UnescapeDataString(parts[5]);
        drain = parts[6] == "drain";
        return true;
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
