using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace NeuroPilot.Edge.Tests.Dns;

/// <summary>
/// Keeps every log line (message and exception text) at every level, to assert on what an operator would read;
/// <paramref name="echo"/> (a test's output) also gets each line with its level and event id.
/// </summary>
internal sealed class CapturingLogger<T>(Action<string>? echo = null) : ILogger<T>
{
    private readonly ConcurrentQueue<(LogLevel Level, EventId Id, string Text)> _lines = new();

    public IReadOnlyList<(LogLevel Level, EventId Id, string Text)> Lines => [.. _lines];

    public string All => string.Join('\n', _lines.Select(l => l.Text));

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var text = formatter(state, exception) + (exception is null ? "" : "\n" + exception);
        _lines.Enqueue((logLevel, eventId, text));
        try
        {
            echo?.Invoke($"{logLevel} [{eventId.Id}] {text}");
        }
        catch (InvalidOperationException)
        {
            // Logged after the test ended.
        }
    }
}
