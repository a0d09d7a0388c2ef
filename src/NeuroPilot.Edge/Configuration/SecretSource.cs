using System.Text;
using NeuroPilot.Edge.Configuration.Internal;

namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// Secrets (admin token, DNS API token, TSIG key) never live in the config file. Each is read from its environment
/// variable, else from the file named by the variable plus <c>_FILE</c> (Docker/Kubernetes secrets), else from the
/// systemd credential of that name (<c>$CREDENTIALS_DIRECTORY/NAME</c>, <c>LoadCredential=</c>). Surrounding
/// whitespace is ignored. A file must be a regular file of at most <see cref="MaxFileBytes"/> bytes (a FIFO or
/// <c>/dev/zero</c> named by mistake or malice is refused, not waited on or read forever). The value is never
/// logged; errors name only the variable or file.
/// </summary>
public static class SecretSource
{
    /// <summary>64 KiB: tokens and keys are a few hundred bytes.</summary>
    public const int MaxFileBytes = 64 * 1024;

    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The secret, or null when none of the three places holds one.</summary>
    /// <exception cref="SecretFileException">The named file cannot be read (the message names the file, not the secret).</exception>
    public static string? Read(string variable, string credentialName) => Read(variable, credentialName, warn: null);

    /// <summary>
    /// As <see cref="Read(string, string)"/>; a secret file that its group or others may read or write is used, and
    /// <paramref name="warn"/> is told (as ssh warns about a key file): Kubernetes secret volumes are 0644 unless
    /// their <c>defaultMode</c> says otherwise, so refusing would break them.
    /// </summary>
    public static string? Read(string variable, string credentialName, Action<string>? warn)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
        {
            return value.Trim();
        }

        var source = variable + "_FILE";
        var file = Environment.GetEnvironmentVariable(source);
        if (string.IsNullOrEmpty(file) && Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY") is { Length: > 0 } credentials)
        {
            file = Path.Combine(credentials, credentialName);
            source = $"systemd credential {credentialName}";
            if (!File.Exists(file) && !Directory.Exists(file))
            {
                return null;
            }
        }

        if (string.IsNullOrEmpty(file))
        {
            return null;
        }

        byte[] bytes;
        UnixFileMode mode;
        try
        {
            bytes = UnixFile.ReadRegular(file, MaxFileBytes, out mode);
        }
        catch (IOException e)
        {
            throw new SecretFileException(source, file, e.Message);
        }

        if ((mode & GroupOrOthers) != 0)
        {
            warn?.Invoke($"{source} \"{file}\" can be read or written by its group or others (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}): " +
                "make it 0600 or 0400 (Kubernetes: defaultMode 0400 on the secret volume); it is used anyway");
        }

        return Encoding.UTF8.GetString(bytes).Trim() is { Length: > 0 } text ? text : null;
    }
}
