namespace NeuroPilot.Edge.Http1;

/// <summary>One field line of a head: where its name and its value (without surrounding whitespace) sit in <see cref="Http1Head.Raw"/>.</summary>
public readonly record struct Http1Field(int NameStart, int NameLength, int ValueStart, int ValueLength, Http1KnownHeader Known);
