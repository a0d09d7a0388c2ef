namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// How the edge reaches etcd (<c>Fleet.Etcd</c>). The password is never in the config: it is read from
/// <see cref="PasswordFile"/> or from the environment variable named by <see cref="PasswordEnv"/>.
/// </summary>
public sealed class EtcdOptions
{
    /// <summary>The client URLs of the etcd members, all http or all https.</summary>
    public required IReadOnlyList<Uri> Endpoints { get; init; }

    /// <summary>etcd user for authentication; null when etcd runs without auth.</summary>
    public string? Username { get; init; }

    /// <summary>A file holding the password of <see cref="Username"/> (surrounding whitespace ignored).</summary>
    public string? PasswordFile { get; init; }

    /// <summary>The name of an environment variable holding the password of <see cref="Username"/>.</summary>
    public string? PasswordEnv { get; init; }

    /// <summary>PEM bundle of the CAs that etcd's server certificates chain to; null: the system's trust store.</summary>
    public string? CaFile { get; init; }
}
