namespace NeuroPilot.Edge.Routing;

/// <summary>
/// Told when a config reload starts and ends, so a service manager can show it (systemd's <c>RELOADING=1</c> then
/// <c>READY=1</c>: the host's <c>SystemdNotifier</c>).
/// </summary>
public interface IReloadNotifier
{
    /// <returns>Whether the notification was sent.</returns>
    bool NotifyReloading(string? status = null);

    /// <returns>Whether the notification was sent.</returns>
    bool NotifyReady(string? status = null);
}
