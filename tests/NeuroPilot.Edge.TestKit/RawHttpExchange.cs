using System.Globalization;
using System.Text;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// What a server answered to bytes sent by <see cref="RawHttpSender"/>: the complete responses in order, how the
/// connection ended and when, and any bytes after the last complete response.
/// </summary>
public sealed record RawHttpExchange(
    IReadOnlyList<RawHttpResponse> Responses,
    RawConnectionEnd End,
    TimeSpan Elapsed,
    int BytesSent,
    bool WriteFailed,
    byte[] Unparsed)
{
    /// <summary>The connection was ended by the server (closed or reset), not left open.</summary>
    public bool EndedByServer => End != RawConnectionEnd.LeftOpen;

    /// <summary>The statuses in order, or "no response"; then how the connection ended: <c>400 closed</c>, <c>200 200 open</c>.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var response in Responses)
        {
            text.Append(response.Status.ToString(CultureInfo.InvariantCulture)).Append(' ');
        }

        if (Responses.Count == 0)
        {
            text.Append("no response ");
        }

        if (Unparsed.Length > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"+{Unparsed.Length} stray bytes ");
        }

        text.Append(End switch
        {
            RawConnectionEnd.Closed => "closed",
            RawConnectionEnd.Reset => "reset",
            _ => "open",
        });
        return text.ToString();
    }
}
