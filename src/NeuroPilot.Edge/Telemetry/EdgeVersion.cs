using System.Reflection;

namespace NeuroPilot.Edge.Telemetry;

public static class EdgeVersion
{
    public static string Current { get; } =
        typeof(EdgeVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
