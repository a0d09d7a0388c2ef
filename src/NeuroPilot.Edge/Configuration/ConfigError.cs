using System.Globalization;
using System.Text;

namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// One problem in a config file: the path of the offending key and what is wrong with its value. Both are kept on
/// one line whatever the file holds: control characters (a CR/LF in a key or a value, an escape sequence) are
/// written as escapes, so that <c>check</c> prints exactly one line per problem and a log line cannot be forged.
/// </summary>
public sealed record ConfigError
{
    public ConfigError(string path, string message)
    {
        Path = OneLine(path);
        Message = OneLine(message);
    }

    public string Path { get; }

    public string Message { get; }

    public override string ToString() => $"{Path}: {Message}";

    /// <summary><paramref name="text"/> with every control or line-breaking character written as <c>\n</c>, <c>\u001B</c>...</summary>
    internal static string OneLine(string text)
    {
        var clean = true;
        foreach (var c in text)
        {
            clean &= !BreaksTheLine(c);
        }

        if (clean)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\n' => builder.Append("\\n"),
                '\r' => builder.Append("\\r"),
                '\t' => builder.Append("\\t"),
                _ when BreaksTheLine(c) => builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }

    private static bool BreaksTheLine(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
