namespace NeuroPilot.Edge.Http1;

/// <summary>The request methods of RFC 9110 §9 (case-sensitive); any other token is <see cref="Other"/>.</summary>
public enum Http1Method : byte
{
    Other,
    Get,
    Head,
    Post,
    Put,
    Delete,
    Connect,
    Options,
    Trace,
    Patch,
}
