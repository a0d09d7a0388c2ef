using System.CommandLine;
using System.CommandLine.Help;
using System.Text;

namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>
/// Writes a command's <c>--help</c> from its System.CommandLine options: the header, one row per option (its name, its
/// <see cref="Option.HelpName"/> and its <see cref="Option.Description"/>), the command's own options first and the
/// shared load options after them, the shared options' note, the footer. An option without a description shares the
/// row above it (<c>--rate R, --duration D</c>); a hidden one is told of in another's description.
/// </summary>
internal static class OptionHelp
{
    /// <summary>Where descriptions start (and continue), counted from 0.</summary>
    public const int DescriptionColumn = 26;

    private const string Indent = "  ";

    /// <summary>The longest label that still has two spaces before its description; a longer one gets a line to itself.</summary>
    private const int LabelWidth = DescriptionColumn - 2 - 2;

    private static readonly string s_continuation = "\n" + new string(' ', DescriptionColumn);

    public static string Render(LoadCommand command)
    {
        var shared = command.Load.Options;
        var text = new StringBuilder(command.Help.Header).Append("\n\n");
        AppendRows(text, command.Options.Where(o => !shared.Contains(o)));
        AppendRows(text, shared);
        return text.Append(LoadOptionSymbols.Note).Append('\n').Append(command.Help.Footer).ToString();
    }

    private static void AppendRows(StringBuilder text, IEnumerable<Option> options)
    {
        string? label = null;
        var description = "";
        foreach (var option in options)
        {
            if (option is HelpOption || option.Hidden)
            {
                continue;
            }

            var name = $"{option.Name} {option.HelpName}";
            if (option.Description is null && label is not null)
            {
                label += ", " + name;
                continue;
            }

            if (label is not null)
            {
                AppendRow(text, label, description);
            }

            (label, description) = (name, option.Description ?? "");
        }

        if (label is not null)
        {
            AppendRow(text, label, description);
        }
    }

    private static void AppendRow(StringBuilder text, string label, string description)
    {
        text.Append(Indent).Append(label);
        text.Append(label.Length <= LabelWidth ? new string(' ', DescriptionColumn - Indent.Length - label.Length) : s_continuation);
        text.Append(description.ReplaceLineEndings(s_continuation)).Append('\n');
    }
}
