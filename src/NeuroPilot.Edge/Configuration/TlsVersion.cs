namespace NeuroPilot.Edge.Configuration;

/// <summary>The oldest TLS version a listener accepts (<c>Edge.Tls.MinVersion</c>): <c>"1.2"</c> or <c>"1.3"</c>.</summary>
public enum TlsVersion
{
    Tls12,
    Tls13,
}
