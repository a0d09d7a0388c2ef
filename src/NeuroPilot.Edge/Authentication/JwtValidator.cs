using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NeuroPilot.Edge.Authentication.Internal;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Authentication;

/// <summary>
/// Validates one compact JWS bearer token (RFC 7515, 7519) against a service's <see cref="JwtOptions"/>: three
/// strict base64url parts; a JSON header whose <c>alg</c> is one the service accepts and the algorithm of the key
/// (named by <c>kid</c>, or every key of that algorithm up to <see cref="JwtDefaults.MaxKeysTriedWithoutKid"/>);
/// the signature (checked before any claim is believed); then <c>exp</c> (required), <c>nbf</c>, <c>iss</c>, <c>aud</c>.
/// <para>
/// Untrusted input, bounded: tokens over <see cref="JwtDefaults.MaxTokenLength"/> are refused unread; everything is
/// decoded into one pooled buffer; JSON depth is capped (4 in the header, 8 in the claims); duplicate members that
/// the edge reads are refused (two parsers must not disagree on <c>alg</c>). It never throws: every outcome is a
/// <see cref="JwtFailure"/>. No LINQ, no allocation unless claims are forwarded (their header values).
/// </para>
/// </summary>
public sealed class JwtValidator
{
    private const int MaxForwardedClaims = 32;

    private static readonly JsonReaderOptions HeaderOptions = new() { MaxDepth = 4 };
    private static readonly JsonReaderOptions ClaimsOptions = new() { MaxDepth = 8 };

    private readonly JwksFile? _file;
    private readonly JsonWebKeySet _fixedKeys;
    private readonly TimeProvider _time;
    private readonly bool[] _allowed = new bool[Enum.GetValues<JwtAlgorithm>().Length];
    private readonly byte[] _issuer;
    private readonly byte[][] _audiences;
    private readonly byte[][] _claims;
    private readonly double _skewSeconds;

    /// <summary>A validator reading its keys from <paramref name="keys"/> on every request (a reload applies at once).</summary>
    public JwtValidator(JwtOptions options, JwksFile keys, TimeProvider time)
        : this(options, JsonWebKeySet.Empty, time) => _file = keys;

    /// <summary>A validator with a fixed key set (tests, benchmarks).</summary>
    public JwtValidator(JwtOptions options, JsonWebKeySet keys, TimeProvider time)
    {
        _fixedKeys = keys;
        _time = time;
        foreach (var algorithm in options.Algorithms)
        {
            _allowed[(int)algorithm] = true;
        }

        _issuer = Encoding.UTF8.GetBytes(options.Issuer);
        _audiences = new byte[options.Audiences.Count][];
        for (var i = 0; i < _audiences.Length; i++)
        {
            _audiences[i] = Encoding.UTF8.GetBytes(options.Audiences[i]);
        }

        if (options.ForwardClaims.Count > MaxForwardedClaims)
        {
            throw new ArgumentException($"at most {MaxForwardedClaims} claims can be forwarded", nameof(options));
        }

        _claims = new byte[options.ForwardClaims.Count][];
        for (var i = 0; i < _claims.Length; i++)
        {
            _claims[i] = Encoding.UTF8.GetBytes(options.ForwardClaims[i].Claim);
        }

        _skewSeconds = options.ClockSkew.TotalSeconds;
    }

    /// <summary>The keys in use now.</summary>
    public JsonWebKeySet Keys => _file?.Keys ?? _fixedKeys;

    /// <summary>Validates <paramref name="token"/> (the part after <c>Bearer </c>).</summary>
    public JwtFailure Validate(ReadOnlySpan<char> token) => Validate(token, []);

    /// <summary>
    /// Validates <paramref name="token"/>; on success, <paramref name="claimValues"/>[i] holds the header value of the
    /// i-th forwarded claim (null when the token lacks it, or its value is an object or not printable ASCII).
    /// </summary>
    public JwtFailure Validate(ReadOnlySpan<char> token, Span<string?> claimValues)
    {
        if (token.Length > JwtDefaults.MaxTokenLength)
        {
            return JwtFailure.TooLarge;
        }

        var first = token.IndexOf('.');
        var second = first < 0 ? -1 : token[(first + 1)..].IndexOf('.');
        if (first <= 0 || second <= 0)
        {
            return JwtFailure.Malformed;
        }

        second += first + 1;
        var header = token[..first];
        var claims = token[(first + 1)..second];
        var signature = token[(second + 1)..];
        // An empty signature is let through to the header check: "alg": "none" is then refused as an algorithm.
        if (!Base64UrlStrict.IsValid(header) || !Base64UrlStrict.IsValid(claims) || !Base64UrlStrict.IsValid(signature))
        {
            return JwtFailure.Malformed;
        }

        // One buffer for the signing input (the ASCII of "header.claims"), the decoded header, its kid unescaped (never
        // longer than the header), the signature and the claims.
        var size = second + (2 * Base64UrlStrict.DecodedLength(header.Length)) + Base64UrlStrict.DecodedLength(claims.Length) +
            Base64UrlStrict.DecodedLength(signature.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            return Validate(token, first, second, buffer, claimValues);
        }
        catch (CryptographicException)
        {
            return JwtFailure.Signature;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or FormatException)
        {
            // Utf8JsonReader reports broken JSON by throwing, and a "\ud800" escape is JSON but not text.
            return JwtFailure.Malformed;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private JwtFailure Validate(ReadOnlySpan<char> token, int first, int second, Span<byte> buffer, Span<string?> claimValues)
    {
        var signingInput = buffer[..second];
        System.Text.Ascii.FromUtf16(token[..second], signingInput, out _);
        var free = buffer[second..];
        if (!Base64UrlStrict.TryDecode(token[..first], free, out var headerLength))
        {
            return JwtFailure.Malformed;
        }

        var kid = free.Slice(headerLength, headerLength);
        var failure = ReadHeader(free[..headerLength], out var algorithm, kid, out var kidLength);
        if (failure != JwtFailure.None)
        {
            return failure;
        }

        if (!_allowed[(int)algorithm])
        {
            return JwtFailure.Algorithm;
        }

        free = free[(2 * headerLength)..];
        if (!Base64UrlStrict.TryDecode(token[(second + 1)..], free, out var signatureLength))
        {
            return JwtFailure.Malformed;
        }

        failure = Verify(algorithm, kid[..Math.Max(kidLength, 0)], kidLength >= 0, signingInput, free[..signatureLength]);
        if (failure != JwtFailure.None)
        {
            return failure;
        }

        free = free[signatureLength..];
        return Base64UrlStrict.TryDecode(token[(first + 1)..second], free, out var claimsLength)
            ? ReadClaims(free[..claimsLength], claimValues)
            : JwtFailure.Malformed;
    }

    /// <summary>The header: <c>alg</c> (required, once), <c>kid</c> (optional, once), no <c>crit</c>; other members skipped.</summary>
    private static JwtFailure ReadHeader(ReadOnlySpan<byte> json, out JwtAlgorithm algorithm, Span<byte> kid, out int kidLength)
    {
        algorithm = default;
        kidLength = -1;
        var reader = new Utf8JsonReader(json, HeaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return JwtFailure.Malformed;
        }

        var seenAlgorithm = false;
        var known = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("alg"u8))
            {
                if (seenAlgorithm || !reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return JwtFailure.Malformed;
                }

                seenAlgorithm = true;
                known = TryReadAlgorithm(ref reader, out algorithm);
            }
            else if (reader.ValueTextEquals("kid"u8))
            {
                if (kidLength >= 0 || !reader.Read() || reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length > kid.Length)
                {
                    return JwtFailure.Malformed;
                }

                kidLength = reader.CopyString(kid);
            }
            else if (reader.ValueTextEquals("crit"u8))
            {
                // RFC 7515 section 4.1.11: extensions listed as critical must be understood; the edge knows none.
                return JwtFailure.Malformed;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || !seenAlgorithm)
        {
            return JwtFailure.Malformed;
        }

        return known ? JwtFailure.None : JwtFailure.Algorithm;
    }

    /// <summary>Case-sensitive, as JOSE names are: <c>none</c>, <c>HS256</c>, <c>es256</c> are not algorithms here.</summary>
    private static bool TryReadAlgorithm(ref Utf8JsonReader reader, out JwtAlgorithm algorithm)
    {
        if (reader.ValueTextEquals("EdDSA"u8) || reader.ValueTextEquals("Ed25519"u8))
        {
            algorithm = JwtAlgorithm.EdDSA;
            return true;
        }

        if (reader.ValueTextEquals("ES256"u8))
        {
            algorithm = JwtAlgorithm.ES256;
            return true;
        }

        algorithm = JwtAlgorithm.RS256;
        return reader.ValueTextEquals("RS256"u8);
    }

    /// <summary>
    /// Finds the key and checks the signature. With a <c>kid</c>: only keys with that kid; one of another algorithm
    /// is an algorithm mismatch, never tried. Without: keys of the token's algorithm, at most
    /// <see cref="JwtDefaults.MaxKeysTriedWithoutKid"/> of them.
    /// </summary>
    private JwtFailure Verify(JwtAlgorithm algorithm, ReadOnlySpan<byte> kid, bool hasKid, ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature)
    {
        var named = false;
        var tried = 0;
        foreach (var key in Keys.KeyArray)
        {
            if (hasKid)
            {
                if (key.KidUtf8 is not { } keyKid || !kid.SequenceEqual(keyKid))
                {
                    continue;
                }

                named = true;
            }

            if (key.Algorithm != algorithm)
            {
                continue;
            }

            if (!hasKid && tried == JwtDefaults.MaxKeysTriedWithoutKid)
            {
                break;
            }

            tried++;
            if (key.Verify(signingInput, signature))
            {
                return JwtFailure.None;
            }
        }

        return tried > 0 ? JwtFailure.Signature : named ? JwtFailure.Algorithm : JwtFailure.UnknownKey;
    }

    /// <summary>The claims, read once each (a duplicate is malformed), then checked: exp, nbf, iss, aud.</summary>
    private JwtFailure ReadClaims(ReadOnlySpan<byte> json, Span<string?> claimValues)
    {
        var reader = new Utf8JsonReader(json, ClaimsOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return JwtFailure.Malformed;
        }

        double? expires = null;
        double? notBefore = null;
        bool? issuerMatches = null;
        bool? audienceMatches = null;
        var forwarded = 0u;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("exp"u8))
            {
                if (expires is not null || !reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var value))
                {
                    return JwtFailure.Malformed;
                }

                expires = value;
            }
            else if (reader.ValueTextEquals("nbf"u8))
            {
                if (notBefore is not null || !reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var value))
                {
                    return JwtFailure.Malformed;
                }

                notBefore = value;
            }
            else if (reader.ValueTextEquals("iss"u8))
            {
                if (issuerMatches is not null || !reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return JwtFailure.Malformed;
                }

                issuerMatches = reader.ValueTextEquals(_issuer);
            }
            else if (reader.ValueTextEquals("aud"u8))
            {
                if (audienceMatches is not null || !reader.Read() || ReadAudience(ref reader) is not { } matches)
                {
                    return JwtFailure.Malformed;
                }

                audienceMatches = matches;
            }
            else if (!TryReadOtherClaim(ref reader, claimValues, ref forwarded))
            {
                return JwtFailure.Malformed;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return JwtFailure.Malformed;
        }

        return CheckClaims(expires, notBefore, issuerMatches, audienceMatches);
    }

    /// <summary>
    /// A claim the edge does not check: kept in <paramref name="claimValues"/> when it is forwarded, else skipped.
    /// False when a forwarded claim comes twice (<paramref name="forwarded"/>: the bits of those seen).
    /// </summary>
    private bool TryReadOtherClaim(ref Utf8JsonReader reader, Span<string?> claimValues, ref uint forwarded)
    {
        var claim = ForwardedClaim(ref reader);
        reader.Read();
        if (claim >= 0 && claim < claimValues.Length)
        {
            if ((forwarded & (1u << claim)) != 0)
            {
                return false;
            }

            forwarded |= 1u << claim;
            claimValues[claim] = ClaimText(ref reader);
        }

        reader.Skip();
        return true;
    }

    /// <summary>The checks, in order: exp (required, with the clock skew), nbf, iss, aud.</summary>
    private JwtFailure CheckClaims(double? expires, double? notBefore, bool? issuerMatches, bool? audienceMatches)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        if (expires is not { } exp)
        {
            return JwtFailure.NoExpiry;
        }

        if (now >= exp + _skewSeconds)
        {
            return JwtFailure.Expired;
        }

        if (notBefore is { } nbf && now < nbf - _skewSeconds)
        {
            return JwtFailure.NotYetValid;
        }

        if (issuerMatches != true)
        {
            return JwtFailure.Issuer;
        }

        return audienceMatches == true ? JwtFailure.None : JwtFailure.Audience;
    }

    /// <summary><c>aud</c> is a string or an array of strings (RFC 7519 section 4.1.3); null when it is neither.</summary>
    private bool? ReadAudience(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return IsAudience(ref reader);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return null;
        }

        var matches = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.String)
        {
            matches |= IsAudience(ref reader);
        }

        return reader.TokenType == JsonTokenType.EndArray ? matches : null;
    }

    private bool IsAudience(ref Utf8JsonReader reader)
    {
        foreach (var audience in _audiences)
        {
            if (reader.ValueTextEquals(audience))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The index of the forwarded claim the current property names, or -1.</summary>
    private int ForwardedClaim(ref Utf8JsonReader reader)
    {
        for (var i = 0; i < _claims.Length; i++)
        {
            if (reader.ValueTextEquals(_claims[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// A claim as a header value: a string as is, a number as written, true/false, an array of those joined by
    /// commas; null for objects, null, or anything that is not printable ASCII (never a header injection).
    /// Leaves the reader on the value's last token.
    /// </summary>
    private static string? ClaimText(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return Scalar(ref reader);
        }

        var joined = new StringBuilder();
        var valid = true;
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var item = Scalar(ref reader);
            reader.Skip();
            valid &= item is not null;
            if (valid)
            {
                joined.Append(count++ > 0 ? "," : "").Append(item);
            }
        }

        return valid ? joined.ToString() : null;
    }

    private static string? Scalar(ref Utf8JsonReader reader)
    {
        var text = reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => Encoding.ASCII.GetString(reader.ValueSpan),
            JsonTokenType.True => "true",
            JsonTokenType.False => "false",
            _ => null,
        };
        return text is not null && IsPrintableAscii(text) ? text : null;
    }

    private static bool IsPrintableAscii(string text)
    {
        foreach (var c in text)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
