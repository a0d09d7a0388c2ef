namespace NeuroPilot.Edge.Admin.Internal;

/// <summary>
/// What the route table found for a request: the route and its parameters; or, when the path exists only for other
/// methods, the <c>Allow</c> list (405); or neither (404).
/// </summary>
internal readonly record struct AdminRouteMatch(AdminRoute? Route, IReadOnlyDictionary<string, string>? Values, string? Allow);
