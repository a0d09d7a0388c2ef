namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// Secrets (admin token, DNS API token, TSIG key) never live in the config file. Each is read from its environment
/// variable, else from the file named by the variable plus <c>_FILE</c> (Docker/Kubernetes secrets), else from the
/// systemd credential of that name (<c>$CREDENTIALS_DIRECTORY/NAME</c>, <c>LoadCredential=</c>). Surrounding
/// whitespace is ignored. The value is never logged; errors name only the variable or file.
/// </summary>
public static class SecretSource
{
    /// <summary>The secret, or null when none of the three places holds one.</summary>
    /// <exception cref="IOException">The named file cannot be read (the message names the file, not the secret).</exception>
    public static string? Read(string variable, string credentialName)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
        {
            return value.Trim();
        }

        var file = Environment.GetEnvironmentVariable(variable + "_FILE");
        if (string.IsNullOrEmpty(file) && Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY") is { Length: > 0 } credentials)
        {
            file = Path.Combine(credentials, credentialName);
            if (!File.Exists(file))
            {
                return null;
            }
        }

        if (string.IsNullOrEmpty(file))
        {
            return null;
        }

        try
        {
            return File.ReadAllText(file).Trim() is { Length: > 0 } text ? text : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot read {variable}_FILE \"{file}\": {e.Message}", e);
        }
    }
}
