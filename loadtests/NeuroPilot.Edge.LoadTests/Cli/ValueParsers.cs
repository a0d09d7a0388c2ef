using System.Globalization;
using System.Text.RegularExpressions;

namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>Parsers for command-line values; each throws <see cref="FormatException"/> with a user-facing message.</summary>
internal static partial class ValueParsers
{
    /// <summary>A duration with a unit: <c>250us</c>, <c>500ms</c>, <c>20s</c>, <c>1.5s</c>, <c>2m</c>, <c>1h</c>.</summary>
    public static TimeSpan Duration(string text)
    {
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success)
        {
            throw new FormatException("is not a duration (use a number and a unit: 500ms, 20s, 2m)");
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var span = match.Groups[2].Value switch
        {
            "us" or "µs" => TimeSpan.FromTicks((long)(value * 10)),
            "ms" => TimeSpan.FromTicks((long)(value * TimeSpan.TicksPerMillisecond)),
            "s" => TimeSpan.FromTicks((long)(value * TimeSpan.TicksPerSecond)),
            "m" => TimeSpan.FromTicks((long)(value * TimeSpan.TicksPerMinute)),
            _ => TimeSpan.FromTicks((long)(value * TimeSpan.TicksPerHour)),
        };
        if (span > TimeSpan.FromDays(1))
        {
            throw new FormatException("is longer than a day");
        }

        return span;
    }

    /// <summary>A duration that must be more than zero.</summary>
    public static TimeSpan PositiveDuration(string text)
    {
        var span = Duration(text);
        return span > TimeSpan.Zero ? span : throw new FormatException("must be more than zero");
    }

    /// <summary>Requests per second: <c>2000</c>, <c>2k</c>, <c>10k</c>, <c>0.5</c>.</summary>
    public static double Rate(string text)
    {
        var trimmed = text.Trim();
        var scale = 1.0;
        if (trimmed.EndsWith('k') || trimmed.EndsWith('K'))
        {
            scale = 1000;
            trimmed = trimmed[..^1];
        }

        if (!double.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var rate) ||
            rate * scale <= 0 || rate * scale > OpenModel.LoadProfileDefaults.MaxRate)
        {
            throw new FormatException($"is not a rate in requests per second (a number from 0.1 to {OpenModel.LoadProfileDefaults.MaxRate:0}, or like 10k)");
        }

        return rate * scale;
    }

    /// <summary>A multiplier: <c>10</c>, <c>10x</c>, <c>2.5</c>; more than 0, at most 1,000.</summary>
    public static double Factor(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.EndsWith('x') || trimmed.EndsWith('X'))
        {
            trimmed = trimmed[..^1];
        }

        if (!double.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var factor) || factor <= 0 || factor > 1000)
        {
            throw new FormatException("is not a factor (a number more than 0 and at most 1000, like 10 or 10x)");
        }

        return factor;
    }

    /// <summary>A whole number in [min, max].</summary>
    public static int Count(string text, int min, int max)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new FormatException($"is not a whole number from {min} to {max}");
        }

        return value;
    }

    /// <summary>A size in bytes: <c>512</c>, <c>4k</c> (KiB), <c>1m</c> (MiB), at most 64 MiB.</summary>
    public static int Size(string text)
    {
        var match = SizePattern().Match(text.Trim());
        if (!match.Success)
        {
            throw new FormatException("is not a size in bytes (like 512, 4k, 1m)");
        }

        var value = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups[2].Value.ToUpperInvariant();
        value *= unit.StartsWith('K') ? 1024 : unit.StartsWith('M') ? 1024 * 1024 : 1;
        return value <= 64 * 1024 * 1024 ? (int)value : throw new FormatException("is more than 64 MiB");
    }

    /// <summary>
    /// An amount of memory in bytes: <c>104857600</c>, <c>512k</c>, <c>100m</c>, <c>100MiB</c>, <c>1g</c> (powers of 1024;
    /// <c>MB</c> reads as MiB too), at most 1 TiB.
    /// </summary>
    public static double Bytes(string text)
    {
        var match = BytesPattern().Match(text.Trim());
        if (!match.Success)
        {
            throw new FormatException("is not an amount of memory (like 100MiB, 512k or 1g)");
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups[2].Value.ToUpperInvariant();
        value *= unit.StartsWith('K') ? 1024 : unit.StartsWith('M') ? 1024 * 1024 : unit.StartsWith('G') ? 1024 * 1024 * 1024 : 1;
        return value <= 1024.0 * 1024 * 1024 * 1024 ? value : throw new FormatException("is more than 1 TiB");
    }

    /// <summary>A ratio: <c>0.1%</c> or <c>0.001</c>.</summary>
    public static double Ratio(string text)
    {
        var trimmed = text.Trim();
        var percent = trimmed.EndsWith('%');
        if (percent)
        {
            trimmed = trimmed[..^1];
        }

        if (!double.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            throw new FormatException("is not a ratio (like 0.1% or 0.001)");
        }

        value = percent ? value / 100 : value;
        return value <= 1 ? value : throw new FormatException("is more than 100%");
    }

    /// <summary>A request header <c>Name: value</c>.</summary>
    public static KeyValuePair<string, string> Header(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new FormatException("is not a header (use Name:value)");
        }

        return new KeyValuePair<string, string>(text[..colon].Trim(), text[(colon + 1)..].Trim());
    }

    /// <summary>Process ids <c>PID[,PID...]</c>: <c>4242</c>, <c>1201,1202,1203</c>; each must be a running process.</summary>
    public static IReadOnlyList<int> ProcessIds(string text)
    {
        var ids = new List<int>();
        foreach (var part in text.Split(','))
        {
            if (!int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
            {
                throw new FormatException("is not a list of process ids (use PID or PID,PID,...)");
            }

            if (!Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}"))
            {
                throw new FormatException($"there is no process {pid.ToString(CultureInfo.InvariantCulture)}");
            }

            if (!ids.Contains(pid))
            {
                ids.Add(pid);
            }
        }

        return ids;
    }

    /// <summary>A target's process ids, <c>NAME=PID[,PID...]</c>.</summary>
    public static KeyValuePair<string, IReadOnlyList<int>> NamedProcessIds(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new FormatException("use NAME=PID[,PID...] (like edge=4242)");
        }

        return new(text[..equals], ProcessIds(text[(equals + 1)..]));
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(us|µs|ms|s|m|h)$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^(\d{1,9})([kKmM](?:i?[bB])?|[bB])?$", RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();

    [GeneratedRegex(@"^(\d{1,12}(?:\.\d+)?)\s*([kKmMgG](?:i?[bB])?|[bB])?$", RegexOptions.CultureInvariant)]
    private static partial Regex BytesPattern();
}
