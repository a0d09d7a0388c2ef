namespace NeuroPilot.Edge.Routing;

public enum ReloadResult
{
    Applied,
    Unchanged,
    Rejected,
}
