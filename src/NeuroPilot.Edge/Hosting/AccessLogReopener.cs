using System.Runtime.InteropServices;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Hosting;

/// <summary>
/// SIGUSR1 reopens the access log file at its path, as nginx does: logrotate renames the file, then signals, and
/// the next lines go to a new file at the path. Registered even without a file log, so that a stray SIGUSR1 (whose
/// default action ends the process) is harmless.
/// </summary>
public sealed class AccessLogReopener(EdgeRuntime runtime) : IHostedService, IDisposable
{
    /// <summary>SIGUSR1 on Linux (x64 and arm64); .NET takes raw signal numbers cast to <see cref="PosixSignal"/>.</summary>
    public const PosixSignal Sigusr1 = (PosixSignal)10;

    private PosixSignalRegistration? _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = PosixSignalRegistration.Create(Sigusr1, context =>
        {
            context.Cancel = true;
            runtime.AccessLog?.Reopen();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _registration?.Dispose();
        _registration = null;
    }
}
