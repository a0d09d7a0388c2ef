using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Configuration.Internal;
using NeuroPilot.Edge.Dns;

namespace NeuroPilot.Edge.Hosting;

/// <summary>
/// What the edge reads at start-up besides the config file, checked alike by <c>check</c> and <c>run</c>: the
/// access log file, the TLS certificates, keys and CA bundles, the admin token and the DNS provider's secret (each from its variable, a file it names or a
/// systemd credential). Every problem becomes one <see cref="ConfigError"/> named after its key or variable
/// (<c>Edge.AccessLog.Path</c>, <c>NEUROPILOT_EDGE_ADMIN_TOKEN_FILE</c>), all reported at once, so that bad
/// start-up input is one line per problem and exit code 2, never a stack trace. <c>check</c> creates nothing;
/// <c>run</c> opens the access log here and hands it to the host.
/// </summary>
public sealed class StartupInputs : IDisposable
{
    private Stream? _accessLogOutput;

    private StartupInputs(string? adminToken, Stream? accessLogOutput, Tls.TlsInputs tls, Fleet.EtcdCredentials etcd, IReadOnlyList<string> warnings)
    {
        AdminToken = adminToken;
        Tls = tls;
        Etcd = etcd;
        _accessLogOutput = accessLogOutput;
        Warnings = warnings;
    }

    /// <summary>The admin bearer token; null when none is set (admin writes disabled).</summary>
    public string? AdminToken { get; }

    /// <summary>The certificates and CA bundles of the https listeners and of <c>UpstreamTls</c>, read and checked.</summary>
    public Tls.TlsInputs Tls { get; }

    /// <summary>The etcd password and CA bundle of <c>Fleet.Etcd</c>; <see cref="Fleet.EtcdCredentials.None"/> without a fleet.</summary>
    public Fleet.EtcdCredentials Etcd { get; }

    /// <summary>Worth an operator's attention, not fatal: a secret file its group or others can read. Never holds a secret.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>
    /// Reads and checks every start-up input of <paramref name="config"/>. With <paramref name="open"/> (<c>run</c>)
    /// the access log file is opened (created when missing); without (<c>check</c>) it is only checked.
    /// </summary>
    /// <exception cref="ConfigException">Every problem found, each named after its key or variable.</exception>
    public static StartupInputs Read(EdgeConfig config, bool open)
    {
        var errors = new List<ConfigError>();
        var warnings = new List<string>();
        var accessLog = OpenAccessLog(config.Edge.AccessLog, open, errors);
        var adminToken = Secret(Admin.AdminToken.EnvironmentVariable, Admin.AdminToken.CredentialName, errors, warnings);
        if (config.Dns is { } dns)
        {
            // Read here to fail early and warn once; the DNS pusher reads it again when it makes its provider.
            _ = dns.Provider == DnsProviderKind.Cloudflare
                ? Secret(DnsProviderFactory.CloudflareTokenVariable, "cloudflare-api-token", errors, warnings)
                : Secret(DnsProviderFactory.TsigSecretVariable, "tsig-secret", errors, warnings);
        }

        var tls = NeuroPilot.Edge.Tls.TlsInputs.Read(config, TimeProvider.System, errors, warnings);
        var etcd = config.Fleet is { } fleet ? Fleet.EtcdCredentials.Read(fleet.Etcd, errors) : Fleet.EtcdCredentials.None;
        if (errors.Count > 0)
        {
            accessLog?.Dispose();
            throw new ConfigException(errors);
        }

        return new StartupInputs(adminToken, accessLog, tls, etcd, warnings);
    }

    /// <summary>The opened access log file (null for <c>-</c>, a disabled log, or <c>check</c>); the caller owns it from now on.</summary>
    public Stream? TakeAccessLogOutput() => Interlocked.Exchange(ref _accessLogOutput, null);

    public void Dispose() => TakeAccessLogOutput()?.Dispose();

    private static Stream? OpenAccessLog(AccessLogOptions options, bool open, List<ConfigError> errors)
    {
        if (!options.Enabled || options.Path == "-")
        {
            return null;
        }

        try
        {
            if (open)
            {
                return UnixFile.OpenForAppend(options.Path);
            }

            if (UnixFile.AppendProblem(options.Path) is { } problem)
            {
                throw new FileProblemException(problem);
            }
        }
        catch (IOException e)
        {
            errors.Add(new ConfigError("Edge.AccessLog.Path", $"\"{options.Path}\": cannot open for appending: {e.Message}"));
        }

        return null;
    }

    private static string? Secret(string variable, string credential, List<ConfigError> errors, List<string> warnings)
    {
        try
        {
            return SecretSource.Read(variable, credential, warnings.Add);
        }
        catch (SecretFileException e)
        {
            errors.Add(new ConfigError(e.Variable, $"cannot read \"{e.File}\": {e.Reason}"));
            return null;
        }
    }
}
