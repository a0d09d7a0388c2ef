using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace NeuroPilot.Edge.Tests.Dns.Cloudflare;

/// <summary>Keeps every log line (message and exception text) at every level, to assert on what an operator would read.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(LogLevel Level, EventId Id, string Text)> _lines = new();

    public IReadOnlyList<(LogLevel Level, EventId Id, string Text)> Lines => [.. _lines];

    public string All => string.Join('\n', _lines.Select(l => l.Text));

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue((logLevel, eventId, formatter(state, exception) + (exception is null ? "" : "\n" + exception)));
}
