namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// A secret file that is named (by <c>VARIABLE_FILE</c> or as a systemd credential) but cannot be read. Names the
/// variable or credential and the file, never the secret.
/// </summary>
public sealed class SecretFileException(string source, string file, string reason)
    : IOException($"cannot read {source} \"{file}\": {reason}")
{
    /// <summary><c>NEUROPILOT_EDGE_ADMIN_TOKEN_FILE</c>, or <c>systemd credential admin-token</c>.</summary>
    public string Variable { get; } = source;

    public string File { get; } = file;

    public string Reason { get; } = reason;
}
