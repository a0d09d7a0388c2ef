using NeuroPilot.Edge.Http1;

namespace NeuroPilot.Edge.Forwarding.Internal;

/// <summary>
/// Copies an upstream response head into Kestrel's response as the YARP path does: the status, every field but the
/// hop-by-hop ones (YARP's list, and those the upstream's <c>Connection</c> names), <c>Content-Length</c> as the
/// body's declared length (Kestrel frames the body; a chunked body is re-chunked by it).
/// </summary>
internal static class ResponseHead
{
    /// <summary>False when Kestrel refuses a field value (a control or non-ASCII character): the response is invalid.</summary>
    public static bool TryCopy(HttpResponse response, Http1ResponseHead head, FieldStrings strings)
    {
        response.StatusCode = head.StatusCode;
        var headers = response.Headers;
        var connection = head.IndexOf(Http1KnownHeader.Connection);
        try
        {
            for (var i = 0; i < head.FieldCount; i++)
            {
                var field = head.FieldAt(i);
                switch (field.Known)
                {
                    case Http1KnownHeader.Connection or Http1KnownHeader.KeepAlive or Http1KnownHeader.ProxyConnection or
                        Http1KnownHeader.TE or Http1KnownHeader.TransferEncoding or Http1KnownHeader.Upgrade:
                        continue;
                    case Http1KnownHeader.ContentLength when head.BodyKind == Http1BodyKind.ContentLength:
                        headers.ContentLength = head.ContentLength;
                        continue;
                    case Http1KnownHeader.ContentLength:
                        // A HEAD or 304 response declares the length of a body it does not carry: passed on as such.
                        if (head.StatusCode != StatusCodes.Status204NoContent && System.Buffers.Text.Utf8Parser.TryParse(head.ValueAt(i), out long declared, out var used) && used == head.ValueAt(i).Length)
                        {
                            headers.ContentLength = declared;
                        }

                        continue;
                }

                var (name, value) = strings.Get(i, head.NameAt(i), head.ValueAt(i));
                if (RequestHeadWriter.IsHopByHop(name) || (connection >= 0 && IsNominated(head, name)))
                {
                    continue;
                }

                headers.Append(name, value);
            }

            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Whether a <c>Connection</c> field of the head names this field (RFC 9110 7.6.1).</summary>
    private static bool IsNominated(Http1ResponseHead head, string name)
    {
        for (var i = head.IndexOf(Http1KnownHeader.Connection); i >= 0; i = head.IndexOf(Http1KnownHeader.Connection, i + 1))
        {
            var value = head.ValueAt(i);
            foreach (var range in value.Split((byte)','))
            {
                var token = value[range].Trim(" \t"u8);
                if (token.Length == name.Length && System.Text.Ascii.EqualsIgnoreCase(token, name))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
