namespace NeuroPilot.Edge.Admin.Internal;

/// <summary>
/// The admin API's routes: method + path template -> handler. A dozen routes read by a handful of operators, so a
/// linear scan; the first route whose path and method fit wins.
/// </summary>
internal sealed class AdminRouteTable(IReadOnlyList<AdminRoute> routes)
{
    public IReadOnlyList<AdminRoute> Routes { get; } = routes;

    public AdminRouteMatch Match(string method, string path)
    {
        var segments = path.Split('/');
        string? allow = null;
        foreach (var route in Routes)
        {
            if (!route.TryMatch(segments, out var values))
            {
                continue;
            }

            if (route.Accepts(method))
            {
                return new AdminRouteMatch(route, values, null);
            }

            allow = allow is null ? route.Allow : $"{allow}, {route.Allow}";
        }

        return new AdminRouteMatch(null, null, allow);
    }
}
