namespace NeuroPilot.Edge.Configuration;

public static class JwtDefaults
{
    /// <summary>Every algorithm the edge supports: each key is used only with its own (see <see cref="JwtAlgorithm"/>).</summary>
    public static readonly IReadOnlyList<JwtAlgorithm> Algorithms = [JwtAlgorithm.EdDSA, JwtAlgorithm.ES256, JwtAlgorithm.RS256];

    /// <summary>Tolerance for clocks that disagree, applied to <c>exp</c> and <c>nbf</c>.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The keys file is re-read this often even without a file event (a missed inotify event, a network mount).</summary>
    public static readonly TimeSpan KeysFilePollInterval = TimeSpan.FromSeconds(10);

    /// <summary>Editors and renewers write in several steps: a change is read this long after the last event.</summary>
    public static readonly TimeSpan KeysFileDebounce = TimeSpan.FromMilliseconds(200);

    /// <summary>Longer tokens are refused unread (a typical token is 300 to 1,500 characters).</summary>
    public const int MaxTokenLength = 8 * 1024;

    /// <summary>A JWKS file larger than this is refused (an identity provider's set is a few KiB).</summary>
    public const int MaxKeysFileBytes = 1024 * 1024;

    /// <summary>Keys in one JWKS file at most.</summary>
    public const int MaxKeys = 100;

    /// <summary>
    /// A token without <c>kid</c> is tried against at most this many keys of its algorithm, so that a forged token
    /// costs a bounded number of signature checks however many keys the file holds.
    /// </summary>
    public const int MaxKeysTriedWithoutKid = 4;
}
