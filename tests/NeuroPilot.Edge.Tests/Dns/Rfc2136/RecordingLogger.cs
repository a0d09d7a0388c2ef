using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Dns.Rfc2136;

/// <summary>Keeps every log line (event id, level, text with its exception) and echoes it to the test output.</summary>
internal sealed class RecordingLogger<T>(ITestOutputHelper output) : ILogger<T>
{
    public ConcurrentQueue<(EventId Id, LogLevel Level, string Text)> Entries { get; } = new();

    public string AllText => string.Join("\n", Entries.Select(e => e.Text));

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var text = $"{logLevel} [{eventId.Id}] {formatter(state, exception)}{(exception is null ? "" : " " + exception)}";
        Entries.Enqueue((eventId, logLevel, text));
        try
        {
            output.WriteLine(text);
        }
        catch (InvalidOperationException)
        {
            // Logged after the test ended.
        }
    }
}
