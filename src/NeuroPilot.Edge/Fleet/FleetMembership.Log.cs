namespace NeuroPilot.Edge.Fleet;

public sealed partial class FleetMembership
{
    [LoggerMessage(EventId = 622, Level = LogLevel.Information, Message = "Fleet drain followed: {Service}/{Region} {Action} here, as the fleet has it")]
    private static partial void LogFollowed(ILogger logger, string service, string region, string action);
}
