using System.Text;

namespace NeuroPilot.Edge.Dns.Internal;

/// <summary>
/// Text that comes from a provider (an API error message, a content type) on its way into our messages, log lines and
/// status: at most <see cref="MaxLength"/> characters, control characters (line breaks included) shown as <c>?</c>, so
/// an answer can neither bloat a log line nor forge one.
/// </summary>
internal static class ProviderText
{
    public const int MaxLength = 200;

    public static string Clip(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var clipped = text.Length > MaxLength;
        var span = clipped ? text.AsSpan(0, MaxLength) : text.AsSpan();
        if (!clipped && !ContainsControl(span))
        {
            return text;
        }

        var builder = new StringBuilder(span.Length + 24);
        foreach (var c in span)
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        if (clipped)
        {
            builder.Append(" [").Append(text.Length - MaxLength).Append(" more characters]");
        }

        return builder.ToString();
    }

    private static bool ContainsControl(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }
}
