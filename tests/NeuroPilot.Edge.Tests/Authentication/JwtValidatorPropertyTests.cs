using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using CsCheck;
using NeuroPilot.Edge.Authentication;
using Xunit.Abstractions;
using static NeuroPilot.Edge.Tests.Authentication.TestTokens;

namespace NeuroPilot.Edge.Tests.Authentication;

/// <summary>
/// The token parser under untrusted input: random text, random bytes behind valid-looking structure, and valid tokens
/// of each algorithm with one or a few characters changed, dropped or inserted. Every input gets a typed result and no
/// exception; a changed token never passes (strict base64url gives each byte string one spelling, and the signature
/// covers the rest). CsCheck samples on several threads at once, so the shared validator is also used concurrently.
/// </summary>
public sealed class JwtValidatorPropertyTests(ITestOutputHelper output)
{
    private const int Iterations = 3_000;

    private static readonly TestSigningKey Ed = TestSigningKey.Ed25519Key("ed-1");
    private static readonly TestSigningKey Ec = TestSigningKey.Es256Key("ec-1");
    private static readonly TestSigningKey Rsa = TestSigningKey.Rs256Key("rsa-1");
    private static readonly string[] ValidTokens =
    [
        Create(Ed), Create(Ec), Create(Rsa),
        Create(Ec, ValidClaims(extra: "\"roles\":[\"a\",\"b\"],\"tenant\":\"acme\",\"n\":{\"x\":[1,2,{\"y\":null}]}")),
        Create(Ed.WithKid(null), header: """{"alg":"EdDSA"}"""),
    ];

    private static readonly JwtValidator Validator = new(
        Options(forward: [("sub", "X-User"), ("roles", "X-Roles"), ("tenant", "X-Tenant"), ("n", "X-N")]),
        KeySet(Ed, Ec, Rsa),
        Clock());

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \"{}[]:,\\";

    /// <summary>One edit of a token: replace, delete or insert a character at a position (taken modulo the length).</summary>
    private sealed record Edit(int Kind, int Position, char Character);

    private static readonly Gen<Edit> AnyEdit = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 100_000], Gen.Char[Alphabet], (k, p, c) => new Edit(k, p, c));

    private static string Apply(string token, Edit edit)
    {
        var kind = token.Length == 0 ? 2 : edit.Kind;
        var at = edit.Position % (token.Length + (kind == 2 ? 1 : 0));
        return kind switch
        {
            0 => string.Concat(token.AsSpan(0, at), edit.Character.ToString(), token.AsSpan(at + 1)),
            1 => token.Remove(at, 1),
            _ => token.Insert(at, edit.Character.ToString()),
        };
    }

    private static JwtFailure Run(string token)
    {
        var values = new string?[4];
        return Validator.Validate(token, values);
    }

    [Fact]
    public void Validate_RandomText_GetsATypedFailureAndNeverThrows()
    {
        var clock = Stopwatch.StartNew();
        var cases = 0;
        var failures = new ConcurrentDictionary<JwtFailure, int>();
        Gen.String[Gen.Char[Alphabet], 0, 400].Sample(text =>
        {
            Interlocked.Increment(ref cases);
            var result = Run(text);
            failures.AddOrUpdate(result, 1, (_, n) => n + 1);
            return result != JwtFailure.None;
        }, iter: Iterations);

        output.WriteLine($"{cases} random texts in {clock.ElapsedMilliseconds} ms: {Describe(failures)}");
        Assert.Equal(Iterations, cases);
    }

    [Fact]
    public void Validate_RandomBytesInEachPart_GetsATypedFailureAndNeverThrows()
    {
        var clock = Stopwatch.StartNew();
        var cases = 0;
        var failures = new ConcurrentDictionary<JwtFailure, int>();
        var json = Gen.OneOf(
            Gen.Byte.Array[0, 200],
            Gen.String[Gen.Char["{}[]\":,0123456789.eE+-truefalsnl\\u abcd"], 0, 120].Select(s => Encoding.UTF8.GetBytes(s)),
            Gen.Const(Encoding.UTF8.GetBytes("""{"alg":"ES256","kid":"ec-1"}""")),
            Gen.Const(Encoding.UTF8.GetBytes(ValidClaims())));
        Gen.Select(json, json, Gen.Byte.Array[0, 600]).Sample((header, claims, signature) =>
        {
            Interlocked.Increment(ref cases);
            var token = $"{TestSigningKey.Encode(header)}.{TestSigningKey.Encode(claims)}.{TestSigningKey.Encode(signature)}";
            var result = Run(token);
            failures.AddOrUpdate(result, 1, (_, n) => n + 1);
            return result != JwtFailure.None;
        }, iter: Iterations);

        output.WriteLine($"{cases} tokens of random parts in {clock.ElapsedMilliseconds} ms: {Describe(failures)}");
        Assert.Equal(Iterations, cases);
    }

    [Fact]
    public void Validate_ValidTokenWithSomeCharactersChanged_NeverPassesAndNeverThrows()
    {
        var clock = Stopwatch.StartNew();
        var cases = 0;
        var unchanged = 0;
        var failures = new ConcurrentDictionary<JwtFailure, int>();
        Gen.Select(Gen.Int[0, ValidTokens.Length - 1], AnyEdit.Array[1, 3]).Sample((which, edits) =>
        {
            Interlocked.Increment(ref cases);
            var original = ValidTokens[which];
            var token = original;
            foreach (var edit in edits)
            {
                token = Apply(token, edit);
            }

            var result = Run(token);
            if (token == original)
            {
                Interlocked.Increment(ref unchanged);
                return result == JwtFailure.None;
            }

            failures.AddOrUpdate(result, 1, (_, n) => n + 1);
            return result != JwtFailure.None;
        }, iter: Iterations);

        output.WriteLine($"{cases} edited tokens ({unchanged} edits that changed nothing) in {clock.ElapsedMilliseconds} ms: {Describe(failures)}");
        Assert.Equal(Iterations, cases);
        Assert.All(ValidTokens, token => Assert.Equal(JwtFailure.None, Run(token)));
    }

    /// <summary>
    /// The claims and header parsers behind a good signature: edited claims and headers, and JSON-shaped noise, signed
    /// properly so that parsing is reached. Whatever they hold, a typed result; and a token accepted has a header and
    /// claims that System.Text.Json's own document parser also reads as JSON objects.
    /// </summary>
    [Fact]
    public void Validate_SignedTokensWithEditedHeaderOrClaims_GetATypedResultAndNeverThrow()
    {
        var clock = Stopwatch.StartNew();
        var cases = 0;
        var failures = new ConcurrentDictionary<JwtFailure, int>();
        var header = """{"alg":"ES256","typ":"JWT","kid":"ec-1"}""";
        var claims = ValidClaims(extra: "\"roles\":[\"a\",\"b\"],\"tenant\":\"acme\",\"n\":{\"x\":[1,2,{\"y\":null}]}");
        var noise = Gen.String[Gen.Char["{}[]\":,0123456789.eE+-truefalsnl\\u abcdexpisnbfud"], 0, 160];
        var edited = Gen.Select(Gen.Bool, AnyEdit.Array[1, 4]);
        Gen.Select(edited, Gen.Frequency((4, Gen.Const("")), (1, noise))).Sample((edit, replacement) =>
        {
            Interlocked.Increment(ref cases);
            var (editHeader, edits) = edit;
            var (h, c) = (header, replacement.Length > 0 ? replacement : claims);
            foreach (var one in edits)
            {
                if (editHeader)
                {
                    h = Apply(h, one);
                }
                else
                {
                    c = Apply(c, one);
                }
            }

            var result = Run(Create(Ec, c, h));
            failures.AddOrUpdate(result, 1, (_, n) => n + 1);
            return result != JwtFailure.None || (IsJsonObject(h) && IsJsonObject(c));
        }, iter: Iterations);

        output.WriteLine($"{cases} signed tokens with edited header or claims in {clock.ElapsedMilliseconds} ms: {Describe(failures)}");
        Assert.Equal(Iterations, cases);
    }

    private static bool IsJsonObject(string json)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static string Describe(ConcurrentDictionary<JwtFailure, int> failures) =>
        string.Join(", ", failures.OrderByDescending(f => f.Value).Select(f => $"{f.Key.Label()} {f.Value}"));
}
