using System.Security.Cryptography.X509Certificates;
using System.Text;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Configuration.Internal;

namespace NeuroPilot.Edge.Fleet;

/// <summary>
/// What the etcd client needs besides the config: the password of <see cref="EtcdOptions.Username"/> (from the file
/// or the environment variable the config names) and the CA bundle of <see cref="EtcdOptions.CaFile"/>. Read once at
/// start-up and by <c>check</c>; the password never reaches a log, a metric or an error message.
/// </summary>
public sealed class EtcdCredentials
{
    private EtcdCredentials(string? password, X509Certificate2Collection? caCertificates)
    {
        Password = password;
        CaCertificates = caCertificates;
    }

    public static EtcdCredentials None { get; } = new(null, null);

    /// <summary>The password of the configured user; null when etcd runs without auth.</summary>
    public string? Password { get; }

    /// <summary>The CAs etcd's certificates must chain to; null: the system's trust store.</summary>
    public X509Certificate2Collection? CaCertificates { get; }

    /// <summary>Reads both; every problem is added to <paramref name="errors"/> under its key (<c>Fleet.Etcd.PasswordFile</c>).</summary>
    public static EtcdCredentials Read(EtcdOptions options, List<ConfigError> errors)
    {
        string? password = null;
        if (options.PasswordFile is { } file)
        {
            try
            {
                password = Encoding.UTF8.GetString(UnixFile.ReadRegular(file, SecretSource.MaxFileBytes, out _)).Trim();
                if (password.Length == 0)
                {
                    errors.Add(new ConfigError("Fleet.Etcd.PasswordFile", $"\"{file}\" is empty"));
                }
            }
            catch (IOException e)
            {
                errors.Add(new ConfigError("Fleet.Etcd.PasswordFile", $"cannot read \"{file}\": {e.Message}"));
            }
        }
        else if (options.PasswordEnv is { } variable)
        {
            password = Environment.GetEnvironmentVariable(variable)?.Trim();
            if (string.IsNullOrEmpty(password))
            {
                errors.Add(new ConfigError("Fleet.Etcd.PasswordEnv", $"the environment variable {variable} is not set or empty"));
            }
        }

        var ca = options.CaFile is { } caFile ? Tls.TlsInputs.LoadBundle("Fleet.Etcd.CaFile", caFile, errors)?.Item1 : null;
        return new EtcdCredentials(password, ca);
    }
}
