using System.Runtime.InteropServices;
using NeuroPilot.Edge.LoadTests.Cli;

// Run socket continuations on the epoll thread instead of hopping to the thread pool: a continuation here only
// parses a response and records it. Measured at 2,000 req/s against nginx: total CPU 5.1 s -> 2.4 s for an 8 s run.
// Must be set before the first socket is created (the runtime reads it once).
Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

// SIGINT/SIGTERM end the run early (partial results are still reported, exit code 130).
using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
return await LoadTestCommandLine.RunAsync(args, Console.Out, Console.Error, stop.Token);
