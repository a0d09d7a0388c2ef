using System.Buffers;
using Microsoft.Extensions.Primitives;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Telemetry;
using Prometheus;

namespace NeuroPilot.Edge.Authentication;

/// <summary>
/// A service's JWT check on the request path, run after the service is matched and before a destination is chosen:
/// removes client-sent copies of the forwarded-claim headers, lets anonymous paths through, validates the bearer
/// token, and either adds the forwarded claims or answers 401 itself (RFC 6750 challenge). A refused request is
/// never forwarded, retried or counted against upstream health; it is counted in
/// <c>neuropilot_edge_auth_rejected_total{service,reason}</c>. Built with the routing table; no locks, no logging.
/// </summary>
public sealed class JwtAuthenticator
{
    /// <summary>
    /// A path with these is never anonymous: '%' is an escape Kestrel left encoded (<c>%2F</c>), and '\' and ';' are
    /// read as separators by some upstreams (<c>/public/..;/admin</c> is <c>/admin</c> to Tomcat), so the edge and the
    /// upstream could disagree on which resource it names. Such a request needs a token like any other.
    /// </summary>
    private static readonly SearchValues<char> AmbiguousPathCharacters = SearchValues.Create("%\\;");

    private readonly PathString[] _anonymous;
    private readonly string[] _headers;
    private readonly bool _required;
    private readonly Counter.Child[] _rejected;

    public JwtAuthenticator(string service, JwtOptions options, JwtValidator validator, EdgeMetrics metrics)
    {
        Validator = validator;
        _required = options.Required;
        _anonymous = new PathString[options.AnonymousPaths.Count];
        for (var i = 0; i < _anonymous.Length; i++)
        {
            _anonymous[i] = new PathString(options.AnonymousPaths[i]);
        }

        _headers = new string[options.ForwardClaims.Count];
        for (var i = 0; i < _headers.Length; i++)
        {
            _headers[i] = options.ForwardClaims[i].Header;
        }

        var failures = Enum.GetValues<JwtFailure>();
        _rejected = new Counter.Child[failures.Length];
        foreach (var failure in failures)
        {
            if (failure != JwtFailure.None)
            {
                _rejected[(int)failure] = metrics.AuthRejected.WithLabels(service, failure.Label());
            }
        }
    }

    public JwtValidator Validator { get; }

    /// <summary>True when the request may be forwarded; false when a 401 has been set on the response.</summary>
    public bool Authenticate(HttpContext context)
    {
        var request = context.Request;
        var headers = request.Headers;
        foreach (var header in _headers)
        {
            headers.Remove(header);
        }

        if (IsAnonymous(request.Path))
        {
            return true;
        }

        var authorization = headers.Authorization;
        if (authorization.Count > 1)
        {
            return Reject(context, JwtFailure.Malformed);
        }

        if (!TryGetBearerToken(authorization, out var token))
        {
            return !_required || Reject(context, JwtFailure.Missing);
        }

        if (_headers.Length == 0)
        {
            var failure = Validator.Validate(token);
            return failure == JwtFailure.None || Reject(context, failure);
        }

        var values = new string?[_headers.Length];
        var result = Validator.Validate(token, values);
        if (result != JwtFailure.None)
        {
            return Reject(context, result);
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is { } value)
            {
                headers[_headers[i]] = value;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="path"/> lies under an anonymous prefix (segment boundaries, case-sensitive) and is unambiguous.</summary>
    public bool IsAnonymous(PathString path)
    {
        if (_anonymous.Length == 0 || path.Value is not { } value || value.AsSpan().ContainsAny(AmbiguousPathCharacters) || HasDotSegment(value))
        {
            return false;
        }

        foreach (var prefix in _anonymous)
        {
            if (path.StartsWithSegments(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The token of <c>Authorization: Bearer TOKEN</c> (scheme case-insensitive); false for no header or another scheme.</summary>
    private static bool TryGetBearerToken(StringValues authorization, out ReadOnlySpan<char> token)
    {
        token = default;
        if (authorization.Count != 1 || authorization[0] is not { } value)
        {
            return false;
        }

        var span = value.AsSpan().Trim();
        if (span.Length < 6 || !span[..6].Equals("Bearer", StringComparison.OrdinalIgnoreCase) || (span.Length > 6 && span[6] != ' '))
        {
            return false;
        }

        token = span[6..].TrimStart(' ');
        return true;
    }

    /// <summary>Kestrel removes <c>.</c> and <c>..</c> segments; a request built another way must not slip one past the prefix check.</summary>
    private static bool HasDotSegment(ReadOnlySpan<char> path)
    {
        foreach (var range in path.Split('/'))
        {
            var segment = path[range];
            if (segment is "." or "..")
            {
                return true;
            }
        }

        return false;
    }

    private bool Reject(HttpContext context, JwtFailure failure)
    {
        _rejected[(int)failure].Inc();
        var response = context.Response;
        response.StatusCode = StatusCodes.Status401Unauthorized;
        response.Headers.WWWAuthenticate = failure.Challenge();
        return false;
    }
}
