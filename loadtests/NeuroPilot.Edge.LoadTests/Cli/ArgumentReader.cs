namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>
/// Reads <c>--name value</c>, <c>--name=value</c> and flag options of one command; rejects unknown options,
/// missing values, positional arguments and repeats of single-valued options.
/// </summary>
internal sealed class ArgumentReader
{
    private readonly string _command;
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private ArgumentReader(string command) => _command = command;

    /// <exception cref="UsageException">An argument is not one of the command's options.</exception>
    public static ArgumentReader Parse(string command, IReadOnlyList<string> args, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string> flagOptions)
    {
        var reader = new ArgumentReader(command);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new UsageException($"{command}: unexpected argument \"{arg}\" (options start with --; see {command} --help)");
            }

            var name = arg;
            string? value = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = arg[..equals];
                value = arg[(equals + 1)..];
            }

            if (flagOptions.Contains(name))
            {
                if (value is not null)
                {
                    throw new UsageException($"{command}: {name} takes no value");
                }

                reader._flags.Add(name);
                continue;
            }

            if (!valueOptions.Contains(name))
            {
                throw new UsageException($"{command}: unknown option {name} (see {command} --help)");
            }

            if (value is null)
            {
                if (i + 1 >= args.Count || (args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1].Length > 2))
                {
                    throw new UsageException($"{command}: {name} needs a value");
                }

                value = args[++i];
            }

            if (!reader._values.TryGetValue(name, out var list))
            {
                reader._values[name] = list = [];
            }

            list.Add(value);
        }

        return reader;
    }

    public bool Flag(string name) => _flags.Contains(name);

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var list) ? list : [];

    /// <summary>The value of a single-valued option, or null when absent.</summary>
    public string? Optional(string name)
    {
        var values = All(name);
        return values.Count switch
        {
            0 => null,
            1 => values[0],
            _ => throw new UsageException($"{_command}: {name} is given {values.Count} times; give it once"),
        };
    }

    public string Required(string name) =>
        Optional(name) ?? throw new UsageException($"{_command}: {name} is required (see {_command} --help)");

    /// <summary>Parses an option's value; a parse error becomes a usage error naming the option.</summary>
    public T? Optional<T>(string name, Func<string, T> parse)
        where T : struct
    {
        var text = Optional(name);
        return text is null ? null : Convert(name, text, parse);
    }

    public T Required<T>(string name, Func<string, T> parse) => Convert(name, Required(name), parse);

    public T Convert<T>(string name, string text, Func<string, T> parse)
    {
        try
        {
            return parse(text);
        }
        catch (FormatException e)
        {
            throw new UsageException($"{_command}: {name} {text}: {e.Message}", e);
        }
    }
}
