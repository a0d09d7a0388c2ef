namespace NeuroPilot.Edge.Configuration;

public enum LogFormat
{
    Text,
    Json,
}
