using System.Buffers;

namespace NeuroPilot.Edge.Configuration.Internal;

/// <summary>
/// Reads <c>Services.NAME.Jwt</c> and checks every key and the rules between them. The keys file itself (readable, a
/// JWKS, a usable key for <c>Algorithms</c>) is checked by Authentication's <c>JwtKeysFileCheck</c>, one of the
/// feature checks that <c>check</c>, start-up and every reload run after this reader.
/// </summary>
internal static class JwtConfigReader
{
    public const int MaxForwardClaims = 32;

    /// <summary>RFC 9110 token characters: what a header name may hold.</summary>
    private static readonly SearchValues<char> TokenCharacters =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>Characters that make a path never anonymous (see <see cref="JwtAuthenticator"/>): such a prefix could never match.</summary>
    private static readonly SearchValues<char> AmbiguousPathCharacters = SearchValues.Create("%\\;?#");

    /// <summary>Headers a claim may not be written to: framing, hop-by-hop, credentials and what the edge itself sets.</summary>
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Authorization", "Proxy-Authorization", "Proxy-Authenticate", "Cookie", "Connection", "Keep-Alive",
        "Proxy-Connection", "Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding", "TE", "Trailer",
        "Upgrade", "Expect", "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
        "X-Forwarded-Prefix", "X-Real-IP", "traceparent", "tracestate",
    };

    /// <summary>Claims the edge checks itself; forwarding them tells the upstream nothing it could not know.</summary>
    private static readonly string[] CheckedClaims = ["iss", "aud", "exp", "nbf"];

    public static JwtOptions Read(ConfigReader reader)
    {
        var issuer = reader.String("Issuer");
        if (!reader.Has("Issuer"))
        {
            reader.Error("Issuer", "missing: the exact \"iss\" of accepted tokens (\"https://login.example.com/\")");
        }
        else if (issuer is { Length: 0 })
        {
            reader.Error("Issuer", "is empty: give the exact \"iss\" of accepted tokens");
        }

        var audiences = new List<string>();
        if (reader.Strings("Audiences") is { } audienceItems)
        {
            foreach (var (path, value) in audienceItems)
            {
                if (value.Length == 0)
                {
                    reader.AddError(path, "is empty: an audience is a non-empty string");
                }
                else
                {
                    audiences.Add(value);
                }
            }

            if (audienceItems.Count == 0)
            {
                reader.Error("Audiences", "is empty: list at least one accepted \"aud\" value");
            }
        }
        else if (!reader.Has("Audiences"))
        {
            reader.Error("Audiences", "missing: list the accepted \"aud\" values ([\"api\"])");
        }

        var keysFileText = reader.String("KeysFile");
        var keysFile = "";
        if (!reader.Has("KeysFile"))
        {
            reader.Error("KeysFile", "missing: the JWKS file of the issuer's public keys (\"/etc/neuropilot-edge/jwks.json\")");
        }
        else if (keysFileText is { Length: 0 })
        {
            reader.Error("KeysFile", "is empty: give the path of a JWKS file");
        }
        else if (keysFileText is not null)
        {
            try
            {
                keysFile = Path.GetFullPath(keysFileText);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
            {
                reader.Error("KeysFile", $"\"{keysFileText}\" is not a file path");
            }
        }

        var algorithms = ReadAlgorithms(reader);
        var options = new JwtOptions
        {
            Issuer = issuer ?? "",
            Audiences = audiences,
            KeysFile = keysFile,
            Algorithms = algorithms,
            AnonymousPaths = ReadAnonymousPaths(reader),
            ClockSkew = reader.Duration("ClockSkew", JwtDefaults.ClockSkew, TimeSpan.Zero, JwtDefaults.MaxClockSkew),
            ForwardClaims = ReadForwardClaims(reader),
            Required = reader.Bool("Required", true),
        };
        reader.RejectUnknownKeys();
        return options;
    }

    private static IReadOnlyList<JwtAlgorithm> ReadAlgorithms(ConfigReader reader)
    {
        if (reader.Strings("Algorithms") is not { } items)
        {
            return JwtDefaults.Algorithms;
        }

        var algorithms = new List<JwtAlgorithm>();
        foreach (var (path, value) in items)
        {
            JwtAlgorithm? algorithm = value.ToUpperInvariant() switch
            {
                "EDDSA" or "ED25519" => JwtAlgorithm.EdDSA,
                "ES256" => JwtAlgorithm.ES256,
                "RS256" => JwtAlgorithm.RS256,
                _ => null,
            };
            if (algorithm is { } known)
            {
                if (!algorithms.Contains(known))
                {
                    algorithms.Add(known);
                }
            }
            else
            {
                reader.AddError(path, $"\"{value}\" is not supported: EdDSA, ES256 or RS256 (shared-secret HS* and \"none\" are refused at the edge)");
            }
        }

        if (items.Count == 0)
        {
            reader.Error("Algorithms", "is empty: list EdDSA, ES256 and/or RS256, or leave the key out for all three");
        }

        return algorithms;
    }

    private static List<string> ReadAnonymousPaths(ConfigReader reader)
    {
        var paths = new List<string>();
        foreach (var (path, value) in reader.Strings("AnonymousPaths") ?? [])
        {
            var prefix = value.TrimEnd('/');
            if (!value.StartsWith('/'))
            {
                reader.AddError(path, $"\"{value}\" must be a path starting with '/'");
            }
            else if (prefix.Length == 0)
            {
                reader.AddError(path, $"\"{value}\" makes every path anonymous: set \"Required\": false, or remove the Jwt section");
            }
            else if (value.AsSpan().ContainsAny(AmbiguousPathCharacters) || HasDotSegment(prefix))
            {
                reader.AddError(path, $"\"{value}\" holds '%', '\\', ';', '?', '#' or a dot segment: a request path with them is never anonymous, so it could never match");
            }
            else
            {
                paths.Add(prefix);
            }
        }

        return paths;
    }

    private static List<(string Claim, string Header)> ReadForwardClaims(ConfigReader reader)
    {
        var claims = new List<(string, string)>();
        if (reader.Object("ForwardClaims") is not { } claimsReader)
        {
            return claims;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (claim, _) in claimsReader.Entries())
        {
            var header = claimsReader.String(claim);
            if (header is null)
            {
                continue;
            }

            if (claim.Length == 0)
            {
                claimsReader.Error(claim, "an empty claim name");
            }
            else if (Array.IndexOf(CheckedClaims, claim) >= 0)
            {
                claimsReader.Error(claim, $"\"{claim}\" is checked by the edge itself: forward another claim (\"sub\", \"scope\")");
            }
            else if (header.Length == 0 || header.AsSpan().ContainsAnyExcept(TokenCharacters))
            {
                claimsReader.Error(claim, $"\"{header}\" is not a header name");
            }
            else if (ReservedHeaders.Contains(header))
            {
                claimsReader.Error(claim, $"\"{header}\" cannot carry a claim (framing, credentials or set by the edge): use a header of your own (\"X-User-Id\")");
            }
            else if (headers.TryGetValue(header, out var other))
            {
                claimsReader.Error(claim, $"\"{header}\" already carries claim \"{other}\"");
            }
            else
            {
                headers.Add(header, claim);
                claims.Add((claim, header));
            }
        }

        if (claims.Count > MaxForwardClaims)
        {
            reader.Error("ForwardClaims", $"has {claims.Count} claims, more than {MaxForwardClaims}");
            claims.RemoveRange(MaxForwardClaims, claims.Count - MaxForwardClaims);
        }

        return claims;
    }

    private static bool HasDotSegment(string path)
    {
        foreach (var segment in path.Split('/'))
        {
            if (segment is "." or "..")
            {
                return true;
            }
        }

        return false;
    }
}
