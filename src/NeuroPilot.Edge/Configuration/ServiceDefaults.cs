namespace NeuroPilot.Edge.Configuration;

public static class ServiceDefaults
{
    /// <summary>Short on purpose: a refused or black-holed region must not hold a request for long.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);
}
