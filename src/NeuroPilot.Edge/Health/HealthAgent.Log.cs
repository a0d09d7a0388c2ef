namespace NeuroPilot.Edge.Health;

public sealed partial class HealthAgent
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Destination {Service}/{Region} {Destination} is DOWN after {Failures} failed probes (last: {Detail})")]
    private partial void LogDestinationDown(string service, string region, string destination, int failures, string detail);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Destination {Service}/{Region} {Destination} is UP after {Successes} good probes (last: {Detail})")]
    private partial void LogDestinationUp(string service, string region, string destination, int successes, string detail);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Breaker {Service}/{Region} {Destination}: {From} -> {To} ({Reason})")]
    private partial void LogBreaker(string service, string region, string destination, string from, string to, string reason);

    [LoggerMessage(EventId = 306, Level = LogLevel.Error, Message = "Health tick failed")]
    private partial void LogTickFailed(Exception exception);
}
