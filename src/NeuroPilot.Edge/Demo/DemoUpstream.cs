using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace NeuroPilot.Edge.Demo;

/// <summary>
/// A small upstream server for the demo, drills and tests (<c>neuropilot-edge upstream</c>): answers with its region
/// name, echoes bodies, headers and WebSocket messages, and can be told to fail (503, hang, reset).
/// </summary>
public sealed class DemoUpstream
{
    private const int UploadFirstResponseAfter = 1 << 20;

    private volatile string _fault = "none";

    public DemoUpstream(string region) => Region = region;

    public string Region { get; }

    /// <summary><c>none</c>, <c>503</c> (every request answers 503), <c>hang</c> (never answers) or <c>reset</c> (aborts the connection).</summary>
    public string Fault
    {
        get => _fault;
        set => _fault = value;
    }

    public WebApplication Build(Uri listen, HttpProtocols protocols)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            var address = listen.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(listen.Host.Trim('[', ']'));
            kestrel.Listen(address, listen.Port, options => options.Protocols = protocols);
        });
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(HandleAsync);
        return app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.Value ?? "/";
        response.Headers["X-Upstream-Region"] = Region;

        if (path == "/_upstream/fault" && HttpMethods.IsPost(request.Method))
        {
            Fault = request.Query["mode"].ToString() is { Length: > 0 } mode ? mode : "none";
            await response.WriteAsync($"{Region} fault={Fault}\n");
            return;
        }

        switch (Fault)
        {
            case "503":
                response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await response.WriteAsync($"{Region} is failing (fault=503)\n");
                return;
            case "hang":
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            case "reset":
                context.Abort();
                return;
        }

        switch (path)
        {
            case "/healthz":
                await response.WriteAsync("ok\n");
                return;
            case "/headers":
                response.ContentType = "text/plain";
                var text = new StringBuilder();
                foreach (var header in request.Headers)
                {
                    text.Append(header.Key).Append(": ").Append(header.Value.ToString()).Append('\n');
                }

                await response.WriteAsync(text.ToString());
                return;
            case "/echo":
                response.ContentType = request.ContentType ?? "application/octet-stream";
                await request.Body.CopyToAsync(response.Body, context.RequestAborted);
                return;
            case "/upload":
                await UploadAsync(context);
                return;
            case "/delay":
                var ms = int.TryParse(request.Query["ms"], out var delay) ? delay : 1000;
                await Task.Delay(ms, context.RequestAborted);
                await response.WriteAsync($"{Region} after {ms} ms\n");
                return;
            case "/ws":
                await WebSocketEchoAsync(context);
                return;
            default:
                response.ContentType = "text/plain";
                await response.WriteAsync($"{Region} {request.Method} {path}\n");
                return;
        }
    }

    /// <summary>
    /// Reads the body; once the first MiB is in, sends the response headers and a first line, so a client can tell
    /// that the proxy streams (a buffering proxy would hold the headers until the whole body was sent).
    /// </summary>
    private static async Task UploadAsync(HttpContext context)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long total = 0;
        var started = false;
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            total += read;
            if (!started && total >= UploadFirstResponseAfter)
            {
                started = true;
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("receiving\n");
                await context.Response.Body.FlushAsync();
            }
        }

        await context.Response.WriteAsync($"bytes={total} sha256={Convert.ToHexStringLower(sha.GetHashAndReset())}\n");
    }

    private static async Task WebSocketEchoAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var message = await socket.ReceiveAsync(buffer, context.RequestAborted);
            if (message.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, message.Count), message.MessageType, message.EndOfMessage, context.RequestAborted);
        }
    }
}
