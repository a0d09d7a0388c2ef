namespace NeuroPilot.Edge.Health;

public sealed partial class ServiceHealthPublisher
{
    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Failover {Service}: {From} -> {To} ({Regions})")]
    private partial void LogFailover(string service, string from, string to, string regions);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "Service {Service} has no usable region (was {From}): {Mode}")]
    private partial void LogNoUsableRegion(string service, string from, string mode);

    [LoggerMessage(EventId = 305, Level = LogLevel.Information, Message = "Service {Service} served by region {Region}")]
    private partial void LogServing(string service, string region);
}
