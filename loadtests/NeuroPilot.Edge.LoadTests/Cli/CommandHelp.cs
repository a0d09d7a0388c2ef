namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>
/// The prose of one command's <c>--help</c>: <see cref="Header"/> (what it does, usage) before the option rows and
/// <see cref="Footer"/> (reports, exit codes, an example) after them. The rows come from the options (<see cref="OptionHelp"/>).
/// </summary>
/// <param name="Header">The text before the options, without a trailing newline.</param>
/// <param name="Footer">The text after the shared options' note, without a trailing newline.</param>
internal sealed record CommandHelp(string Header, string Footer);
