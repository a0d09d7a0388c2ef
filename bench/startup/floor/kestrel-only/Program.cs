// Kestrel built by hand: no generic host, no container on the start path.
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(c => c.SingleLine = true).AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace));
var options = new KestrelServerOptions();
options.Listen(System.Net.IPAddress.Loopback, int.Parse(args[0]));
var server = new KestrelServer(Options.Create(options), new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggers), loggers);
await server.StartAsync(new App(), CancellationToken.None);
var done = new TaskCompletionSource();
using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; done.TrySetResult(); });
await done.Task;
await server.StopAsync(CancellationToken.None);

internal sealed class App : IHttpApplication<IFeatureCollection>
{
    public IFeatureCollection CreateContext(IFeatureCollection features) => features;
    public async Task ProcessRequestAsync(IFeatureCollection features)
    {
        features.Get<IHttpResponseFeature>()!.StatusCode = 200;
        await features.Get<IHttpResponseBodyFeature>()!.Writer.WriteAsync("ok"u8.ToArray());
    }
    public void DisposeContext(IFeatureCollection features, Exception? exception) { }
}
