namespace NeuroPilot.Edge.Http1;

/// <summary>The accepted request-target forms (RFC 9112 §3.2); authority-form is refused.</summary>
public enum Http1TargetForm : byte
{
    /// <summary><c>/path?query</c> (§3.2.1).</summary>
    Origin,

    /// <summary><c>http://authority/path?query</c> (§3.2.2): the host comes from the target, the Host field is not used.</summary>
    Absolute,

    /// <summary><c>*</c>, only with OPTIONS (§3.2.4).</summary>
    Asterisk,
}
