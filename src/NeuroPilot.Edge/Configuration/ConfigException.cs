namespace NeuroPilot.Edge.Configuration;

/// <summary>A config that cannot be used; <see cref="Errors"/> lists every problem found, not only the first.</summary>
public sealed class ConfigException(IReadOnlyList<ConfigError> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}
