using System.Globalization;
using System.Text.Json;

namespace NeuroPilot.Edge.Configuration.Internal;

/// <summary>
/// Reads one JSON object of the config by hand (no reflection, AOT-clean), case-insensitively,
/// collecting every problem with its path instead of stopping at the first one.
/// </summary>
internal sealed class ConfigReader
{
    private readonly List<ConfigError> _errors;
    private readonly Dictionary<string, JsonElement> _properties = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _read = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _order = [];

    private ConfigReader(List<ConfigError> errors, string path, JsonElement element)
    {
        _errors = errors;
        Path = path;
        foreach (var property in element.EnumerateObject())
        {
            if (_properties.TryAdd(property.Name, property.Value))
            {
                _order.Add(property.Name);
            }
            else
            {
                errors.Add(new ConfigError(Child(property.Name), "duplicate key (keys are case-insensitive)"));
            }
        }
    }

    public string Path { get; }

    /// <summary>A reader over <paramref name="element"/>, or null (and an error) when it is not an object.</summary>
    public static ConfigReader? Open(List<ConfigError> errors, string path, JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            return new ConfigReader(errors, path, element);
        }

        errors.Add(new ConfigError(path.Length == 0 ? "(root)" : path, $"{Show(element)} is not an object"));
        return null;
    }

    public string Child(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public void Error(string key, string message) => _errors.Add(new ConfigError(Child(key), message));

    /// <summary>Records a problem at a full path (an array item, say).</summary>
    public void AddError(string path, string message) => _errors.Add(new ConfigError(path, message));

    public bool Has(string key) => _properties.ContainsKey(key);

    /// <summary>The keys present in this object, in file order (used for maps such as <c>Services</c>).</summary>
    public IEnumerable<(string Key, JsonElement Value)> Entries()
    {
        foreach (var key in _order)
        {
            _read.Add(key);
            yield return (key, _properties[key]);
        }
    }

    public bool TryGet(string key, out JsonElement value)
    {
        if (_properties.TryGetValue(key, out value) && value.ValueKind != JsonValueKind.Null)
        {
            _read.Add(key);
            return true;
        }

        _read.Add(key);
        return false;
    }

    public ConfigReader? Object(string key) =>
        TryGet(key, out var value) ? Open(_errors, Child(key), value) : null;

    /// <summary>A reader over an item of an array of objects (<paramref name="path"/> is its full path), or null (and an error).</summary>
    public ConfigReader? Item(string path, JsonElement element) => Open(_errors, path, element);

    public string? String(string key)
    {
        if (!TryGet(key, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Error(key, $"{Show(value)} is not a string");
            return null;
        }

        return value.GetString();
    }

    public bool Bool(string key, bool fallback)
    {
        if (!TryGet(key, out var value))
        {
            return fallback;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        Error(key, $"{Show(value)} is not true or false");
        return fallback;
    }

    public int Int(string key, int fallback, int min, int max)
    {
        if (!TryGet(key, out var value))
        {
            return fallback;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            Error(key, $"{Show(value)} is not a whole number");
            return fallback;
        }

        if (number < min || number > max)
        {
            Error(key, $"{number} is out of range ({min} to {max})");
            return fallback;
        }

        return number;
    }

    /// <summary>A size in bytes: a number, or text with a unit (<c>"64KiB"</c>, <c>"10MB"</c>, <c>"1GiB"</c>); null when absent.</summary>
    public long? Size(string key, long min, long max)
    {
        if (!TryGet(key, out var value))
        {
            return null;
        }

        long bytes;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            bytes = number;
        }
        else if (value.ValueKind != JsonValueKind.String || !TryParseSize(value.GetString()!, out bytes))
        {
            Error(key, $"{Show(value)} is not a size in bytes (a number, or \"64KiB\", \"10MB\", \"1GiB\")");
            return null;
        }

        if (bytes < min || bytes > max)
        {
            Error(key, $"{Show(value)} is out of range ({min} to {max} bytes)");
            return null;
        }

        return bytes;
    }

    /// <summary><c>1024</c>, <c>64KiB</c>, <c>10MB</c>, <c>1GiB</c> (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024).</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        var span = text.AsSpan().Trim();
        (string Suffix, long Scale)[] units =
            [("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1)];
        foreach (var (suffix, scale) in units)
        {
            if (span.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) &&
                long.TryParse(span[..^suffix.Length].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) &&
                amount <= long.MaxValue / scale)
            {
                bytes = amount * scale;
                return true;
            }
        }

        return long.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out bytes);
    }

    public double Double(string key, double fallback, double min, double max)
    {
        if (!TryGet(key, out var value))
        {
            return fallback;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number))
        {
            Error(key, $"{Show(value)} is not a number");
            return fallback;
        }

        if (number < min || number > max)
        {
            Error(key, $"{Show(value)} is out of range ({min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)})");
            return fallback;
        }

        return number;
    }

    /// <summary>Status codes written as numbers (<c>503</c>) or ranges (<c>"200-299"</c>, <c>"5xx"</c>).</summary>
    public IReadOnlyList<(int From, int To)>? StatusRanges(string key)
    {
        if (!TryGet(key, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Error(key, $"{Show(value)} is not an array of status codes (503, \"500-599\" or \"5xx\")");
            return null;
        }

        var ranges = new List<(int, int)>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = $"{Child(key)}[{index++}]";
            if (TryParseStatusRange(item, out var range))
            {
                ranges.Add(range);
            }
            else
            {
                AddError(itemPath, $"{Show(item)} is not a status code (100-599), a range \"200-299\" or a class \"5xx\"");
            }
        }

        return ranges;
    }

    private static bool TryParseStatusRange(JsonElement item, out (int From, int To) range)
    {
        range = default;
        if (item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var code))
        {
            range = (code, code);
        }
        else if (item.ValueKind == JsonValueKind.String && item.GetString() is { } text)
        {
            if (text.Length == 3 && text.EndsWith("xx", StringComparison.OrdinalIgnoreCase) && char.IsAsciiDigit(text[0]))
            {
                range = ((text[0] - '0') * 100, ((text[0] - '0') * 100) + 99);
            }
            else if (text.Split('-') is [var from, var to] && int.TryParse(from, CultureInfo.InvariantCulture, out var f) && int.TryParse(to, CultureInfo.InvariantCulture, out var t))
            {
                range = (f, t);
            }
            else if (int.TryParse(text, CultureInfo.InvariantCulture, out var single))
            {
                range = (single, single);
            }
            else
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        return range.From >= 100 && range.To <= 599 && range.From <= range.To;
    }

    public TimeSpan Duration(string key, TimeSpan fallback, TimeSpan min, TimeSpan max)
    {
        var text = String(key);
        if (text is null)
        {
            return fallback;
        }

        if (!TryParseDuration(text, out var duration))
        {
            Error(key, $"\"{text}\" is not a duration (write \"00:00:10\" or \"10s\", \"500ms\", \"2m\")");
            return fallback;
        }

        if (duration < min || duration > max)
        {
            Error(key, $"\"{text}\" is out of range ({Format(min)} to {Format(max)})");
            return fallback;
        }

        return duration;
    }

    public TEnum Enum<TEnum>(string key, TEnum fallback)
        where TEnum : struct, Enum
    {
        var text = String(key);
        if (text is null)
        {
            return fallback;
        }

        var name = text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).Replace(".", "", StringComparison.Ordinal);
        if (!name.Contains(',', StringComparison.Ordinal) && System.Enum.TryParse<TEnum>(name, ignoreCase: true, out var result) &&
            !int.TryParse(name, out _) && System.Enum.IsDefined(result))
        {
            return result;
        }

        var allowed = string.Join(", ", System.Enum.GetNames<TEnum>()).ToLowerInvariant();
        Error(key, $"\"{text}\" is not one of: {allowed}");
        return fallback;
    }

    /// <summary>An array of strings; a lone string is accepted as a one-element array.</summary>
    public IReadOnlyList<(string Path, string Value)>? Strings(string key)
    {
        if (!TryGet(key, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return [(Child(key), value.GetString()!)];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Error(key, $"{Show(value)} is not an array of strings");
            return null;
        }

        var items = new List<(string, string)>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = $"{Child(key)}[{index++}]";
            if (item.ValueKind == JsonValueKind.String)
            {
                items.Add((itemPath, item.GetString()!));
            }
            else
            {
                _errors.Add(new ConfigError(itemPath, $"{Show(item)} is not a string"));
            }
        }

        return items;
    }

    /// <summary>Reports every key of this object that no one asked for: a typo must not pass silently.</summary>
    public void RejectUnknownKeys()
    {
        foreach (var key in _order)
        {
            if (!_read.Contains(key))
            {
                Error(key, "unknown key");
            }
        }
    }

    public static string Show(JsonElement value)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            _ => value.GetRawText(),
        };
        return text.Length > 80 ? string.Concat(text.AsSpan(0, 77), "...") : text;
    }

    /// <summary>Accepts .NET's constant format (<c>00:00:10</c>, <c>00:00:00.500</c>) and Envoy-style <c>10s</c>, <c>500ms</c>, <c>2m</c>, <c>1h</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        var span = text.AsSpan().Trim();
        (string Suffix, double Scale)[] units = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)];
        foreach (var (suffix, scale) in units)
        {
            if (span.EndsWith(suffix, StringComparison.Ordinal) &&
                double.TryParse(span[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) &&
                amount >= 0 && amount * scale <= TimeSpan.MaxValue.TotalMilliseconds)
            {
                duration = TimeSpan.FromMilliseconds(amount * scale);
                return true;
            }
        }

        // A bare number has no unit: "c" would read "10" as ten days. Ask for a unit instead.
        duration = default;
        return text.Contains(':', StringComparison.Ordinal) &&
               TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
    }

    public static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
