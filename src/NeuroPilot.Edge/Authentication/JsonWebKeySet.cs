using System.Text.Json;
using NeuroPilot.Edge.Authentication.Internal;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Authentication;

/// <summary>
/// The usable public keys of a JWKS file (RFC 7517), immutable. Keys the edge cannot use (another <c>kty</c> or
/// curve, <c>use: enc</c>, RSA under 2048 bits, a point off its curve) are skipped and listed in
/// <see cref="Skipped"/>; a file holding private key material is refused whole.
/// </summary>
public sealed class JsonWebKeySet
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    private readonly JsonWebKey[] _keys;

    private JsonWebKeySet(JsonWebKey[] keys, IReadOnlyList<string> skipped)
    {
        _keys = keys;
        Skipped = skipped;
    }

    /// <summary>No keys: every token fails with <see cref="JwtFailure.UnknownKey"/>.</summary>
    public static JsonWebKeySet Empty { get; } = new([], []);

    public IReadOnlyList<JsonWebKey> Keys => _keys;

    /// <summary>Why each skipped key was skipped (<c>key 2 ("old"): kty "oct" is not supported</c>).</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>The keys as an array, for the request path (no interface dispatch in the loop).</summary>
    internal JsonWebKey[] KeyArray => _keys;

    /// <summary>Reads and parses a JWKS file of at most <see cref="JwtDefaults.MaxKeysFileBytes"/> bytes.</summary>
    /// <exception cref="JsonWebKeySetException">The file cannot be read or is not a usable JWKS.</exception>
    public static JsonWebKeySet Load(string path) => Parse(Read(path));

    /// <summary>The bytes of a JWKS file (size-capped), for <see cref="Parse"/>.</summary>
    /// <exception cref="JsonWebKeySetException">The file cannot be read or is too large.</exception>
    public static byte[] Read(string path)
    {
        try
        {
            // A regular file only, opened without blocking: a FIFO or a device at the path cannot stall a reload.
            return Configuration.Internal.UnixFile.ReadRegular(path, JwtDefaults.MaxKeysFileBytes, out _);
        }
        catch (Configuration.Internal.FileProblemException e)
        {
            // "is larger than 1 MiB ...", "is a FIFO, not a regular file" read on their own; an errno needs the verb.
            throw new JsonWebKeySetException(e.Message.StartsWith("is ", StringComparison.Ordinal) ? e.Message : $"cannot be read: {e.Message}", e);
        }
    }

    /// <exception cref="JsonWebKeySetException">Not JSON, not a JWKS, too many keys, or private key material.</exception>
    public static JsonWebKeySet Parse(ReadOnlyMemory<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, column {e.BytePositionInLine + 1}" : "";
            throw new JsonWebKeySetException($"is not a JWKS: not valid JSON{where}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
            {
                throw new JsonWebKeySetException("is not a JWKS: no \"keys\" array ({ \"keys\": [ { \"kty\": ... } ] })");
            }

            if (keys.GetArrayLength() > JwtDefaults.MaxKeys)
            {
                throw new JsonWebKeySetException($"has {keys.GetArrayLength()} keys, more than {JwtDefaults.MaxKeys}");
            }

            var usable = new List<JsonWebKey>();
            var skipped = new List<string>();
            var index = 0;
            foreach (var element in keys.EnumerateArray())
            {
                if (JsonWebKeyReader.Read(element, index++, out var reason) is { } key)
                {
                    usable.Add(key);
                }
                else
                {
                    skipped.Add(reason!);
                }
            }

            return new JsonWebKeySet([.. usable], skipped);
        }
    }

    /// <summary>How many keys verify one of <paramref name="algorithms"/>.</summary>
    public int CountUsable(IReadOnlyList<JwtAlgorithm> algorithms)
    {
        var count = 0;
        foreach (var key in _keys)
        {
            if (algorithms.Contains(key.Algorithm))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>For logs and <c>check</c>: <c>3 keys (EdDSA key "a", ES256 key "b", RS256 key "c")</c>.</summary>
    public override string ToString() => $"{_keys.Length} keys ({string.Join(", ", _keys.Select(k => k.ToString()))})";
}
