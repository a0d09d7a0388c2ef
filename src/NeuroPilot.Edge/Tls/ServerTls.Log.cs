namespace NeuroPilot.Edge.Tls;

public sealed partial class ServerTls
{
    [LoggerMessage(EventId = 910, Level = LogLevel.Information, Message = "{Slot} serves {Description}")]
    private partial void LogServing(string slot, string description);

    // Debug: one line per refused handshake would let any client fill the log.
    [LoggerMessage(EventId = 911, Level = LogLevel.Debug, Message = "Refused a client certificate: {Reason}")]
    private partial void LogClientRejected(string reason);
}
