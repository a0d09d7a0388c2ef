
namespace NeuroPilot.Edge.Admin.Internal;

/// <summary>
/// One admin endpoint: a method, a path template of literal segments and <c>{name}</c> segments, whether it is an
/// admin write (bearer token), and the handler. Matching is ordinal and whole-path: no trailing slash, no empty
/// parameter, <c>%XX</c> in a parameter unescaped (Kestrel leaves <c>%2F</c> encoded in the path).
/// </summary>
internal sealed class AdminRoute
{
    private static readonly IReadOnlyDictionary<string, string> NoValues = new Dictionary<string, string>();

    private readonly string[] _segments;

    private AdminRoute(string method, string template, bool isWrite, Func<HttpContext, IReadOnlyDictionary<string, string>, Task> handler)
    {
        Method = method;
        Template = template;
        IsWrite = isWrite;
        Handler = handler;
        _segments = template.Split('/');
    }

    public string Method { get; }

    public string Template { get; }

    /// <summary>An admin write: needs <c>Authorization: Bearer $NEUROPILOT_EDGE_ADMIN_TOKEN</c>.</summary>
    public bool IsWrite { get; }

    public Func<HttpContext, IReadOnlyDictionary<string, string>, Task> Handler { get; }

    /// <summary>The methods to name in <c>Allow</c>: a GET route answers HEAD too.</summary>
    public string Allow => Method == HttpMethods.Get ? "GET, HEAD" : Method;

    /// <summary>A read, answered to GET and HEAD without a token.</summary>
    public static AdminRoute Get(string template, Func<HttpContext, IReadOnlyDictionary<string, string>, Task> handler) =>
        new(HttpMethods.Get, template, isWrite: false, handler);

    /// <summary>An admin write: POST with the bearer token.</summary>
    public static AdminRoute Write(string template, Func<HttpContext, IReadOnlyDictionary<string, string>, Task> handler) =>
        new(HttpMethods.Post, template, isWrite: true, handler);

    public bool Accepts(string method) =>
        HttpMethods.Equals(Method, method) || (Method == HttpMethods.Get && HttpMethods.IsHead(method));

    /// <summary>Whether <paramref name="path"/> (split on <c>/</c>) fits the template; the parameters unescaped.</summary>
    public bool TryMatch(string[] path, out IReadOnlyDictionary<string, string> values)
    {
        values = NoValues;
        if (path.Length != _segments.Length)
        {
            return false;
        }

        Dictionary<string, string>? found = null;
        for (var i = 0; i < path.Length; i++)
        {
            var segment = _segments[i];
            if (segment.StartsWith('{') && segment.EndsWith('}'))
            {
                if (path[i].Length == 0)
                {
                    return false;
                }

                found ??= [];
                found[segment[1..^1]] = Uri.UnescapeDataString(path[i]);
            }
            else if (!string.Equals(segment, path[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        values = found ?? NoValues;
        return true;
    }
}
