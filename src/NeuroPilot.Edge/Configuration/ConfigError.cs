namespace NeuroPilot.Edge.Configuration;

/// <summary>One problem in a config file: the path of the offending key and what is wrong with its value.</summary>
public sealed record ConfigError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
