using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace NeuroPilot.Edge.Admin;

/// <summary>The bearer token for admin writes, from <c>NEUROPILOT_EDGE_ADMIN_TOKEN</c>; never logged.</summary>
public sealed class AdminToken(string? token)
{
    public const string EnvironmentVariable = "NEUROPILOT_EDGE_ADMIN_TOKEN";

    private readonly byte[]? _expected = string.IsNullOrEmpty(token) ? null : Encoding.UTF8.GetBytes(token);

    public enum Result
    {
        Allowed,
        Denied,
        Disabled,
    }

    public bool Enabled => _expected is not null;

    public const string FileVariable = "NEUROPILOT_EDGE_ADMIN_TOKEN_FILE";

    /// <summary>The systemd credential name (<c>LoadCredential=admin-token:...</c>).</summary>
    public const string CredentialName = "admin-token";

    /// <summary>
    /// The token from <c>NEUROPILOT_EDGE_ADMIN_TOKEN</c>, else from the file named by
    /// <c>NEUROPILOT_EDGE_ADMIN_TOKEN_FILE</c>, else from the systemd credential <c>admin-token</c>
    /// (<c>$CREDENTIALS_DIRECTORY/admin-token</c>). Surrounding whitespace is ignored.
    /// </summary>
    public static AdminToken FromEnvironment() => new(Configuration.SecretSource.Read(EnvironmentVariable, CredentialName));

    public Result Check(StringValues authorization)
    {
        if (_expected is null)
        {
            return Result.Disabled;
        }

        var header = authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return Result.Denied;
        }

        var presented = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(presented, _expected) ? Result.Allowed : Result.Denied;
    }
}
