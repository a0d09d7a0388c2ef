namespace NeuroPilot.Edge.Hosting;

public enum ReloadResult
{
    Applied,
    Unchanged,
    Rejected,
}
