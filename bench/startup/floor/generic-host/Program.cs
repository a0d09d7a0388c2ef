// The generic host as the edge builds it: slim builder, console logging, Kestrel, one handler.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(c => c.SingleLine = true);
builder.Logging.AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace);
builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, int.Parse(args[0])));
var app = builder.Build();
app.Run(context => { context.Response.StatusCode = 200; return context.Response.WriteAsync("ok"); });
await app.StartAsync();
await app.WaitForShutdownAsync();
