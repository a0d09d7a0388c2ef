using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns.Cloudflare;
using NeuroPilot.Edge.Dns.Rfc2136;

namespace NeuroPilot.Edge.Dns;

/// <summary>Makes the configured provider, with its secret from the environment (<see cref="SecretSource"/>).</summary>
public static class DnsProviderFactory
{
    public const string CloudflareTokenVariable = "CLOUDFLARE_API_TOKEN";
    public const string TsigSecretVariable = "NEUROPILOT_EDGE_TSIG_SECRET";

    /// <exception cref="DnsProviderException">The secret is missing or unreadable (kind Unauthorized; the message names the variable).</exception>
    public static IDnsProvider Create(DnsOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        var name = options.Provider.ToWireName();
        if (options.Provider == DnsProviderKind.Cloudflare)
        {
            var token = ReadSecret(name, CloudflareTokenVariable, "cloudflare-api-token");
            return new CloudflareProvider(options.Cloudflare!, token, time, loggers.CreateLogger<CloudflareProvider>());
        }

        var secret = ReadSecret(name, TsigSecretVariable, "tsig-secret");
        byte[] key;
        try
        {
            key = Convert.FromBase64String(secret);
        }
        catch (FormatException)
        {
            throw new DnsProviderException(name, DnsProviderError.Unauthorized, $"{TsigSecretVariable} is not base64 (the secret line of the server's key, as tsig-keygen or keymgr prints it)", "no_credentials");
        }

        return new Rfc2136Provider(options.Rfc2136!, key, time, loggers.CreateLogger<Rfc2136Provider>());
    }

    /// <summary>Everything a provider is made from except secrets: a reload that leaves it the same keeps the provider (and its rate-limit state).</summary>
    public static string SettingsKey(DnsOptions options) => options.Provider.ToWireName() + (options.Provider == DnsProviderKind.Cloudflare
        ? $"|{options.Cloudflare?.ZoneId}|{options.Cloudflare?.ApiBaseUrl}|{options.Cloudflare?.Proxied}|{options.Cloudflare?.RequestsPerFiveMinutes}|{options.Cloudflare?.RequestTimeout}"
        : $"|{options.Rfc2136?.Server}|{options.Rfc2136?.Zone}|{options.Rfc2136?.TsigKeyName}|{options.Rfc2136?.TsigAlgorithm}|{options.Rfc2136?.Timeout}");

    private static string ReadSecret(string provider, string variable, string credential)
    {
        string? secret;
        try
        {
            secret = SecretSource.Read(variable, credential);
        }
        catch (IOException e)
        {
            throw new DnsProviderException(provider, DnsProviderError.Unauthorized, e.Message, "no_credentials");
        }

        return secret ?? throw new DnsProviderException(provider, DnsProviderError.Unauthorized,
            $"{variable} is not set (nor {variable}_FILE, nor the systemd credential {credential}): DNS is not pushed until it is", "no_credentials");
    }
}
