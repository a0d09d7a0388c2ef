using System.Reflection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Architecture;

/// <summary>
/// Log event ids are unique and each folder logs within its own ranges (src/ARCHITECTURE.md, "Log event ids"), so an
/// operator can filter on them and a new one never reuses an old meaning.
/// </summary>
public sealed class EventIdTests(ITestOutputHelper output)
{
    /// <summary>The ranges each folder may use (inclusive). Folders not listed log nothing.</summary>
    public static readonly (string Folder, int From, int To)[] Ranges =
    [
        ("Hosting", 1, 99), // start, stop, listeners
        ("Routing", 100, 119), // config applied, rejected, reloads
        ("Hosting", 110, 129), // config file watch, service manager
        ("Admin", 200, 299),
        ("Health", 300, 399), // probes, breakers, failovers
        ("Forwarding", 400, 499),
        ("Dns", 500, 599), // the reconciler
        ("Dns", 5100, 5199), // Cloudflare
        ("Dns", 5200, 5299), // RFC 2136
        ("Fleet", 600, 699), // etcd membership, views, drains, leadership
        ("Telemetry", 700, 799), // access log
        ("Authentication", 800, 899),
        ("Tls", 900, 999),
    ];

    [Fact]
    public void LogMessages_HaveUniqueEventIdsInTheirFoldersRanges()
    {
        var messages = typeof(NeuroPilot.Edge.Hosting.EdgeHost).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .Select(m => (Id: m.Attribute!.EventId, Folder: Folder(m.Method.DeclaringType!), Name: $"{m.Method.DeclaringType!.Name}.{m.Method.Name}"))
            .OrderBy(m => m.Id)
            .ToList();
        output.WriteLine($"{messages.Count} log messages: {string.Join(", ", messages.Select(m => $"{m.Id} {m.Name}"))}");

        Assert.True(messages.Count > 50, $"only {messages.Count} [LoggerMessage] methods found: is the reflection looking at the right assembly?");
        var reused = messages.GroupBy(m => m.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Name))}").ToList();
        Assert.True(reused.Count == 0, $"event ids used twice:\n{string.Join('\n', reused)}");
        var outside = messages.Where(m => !Ranges.Any(r => r.Folder == m.Folder && m.Id >= r.From && m.Id <= r.To)).Select(m => $"{m.Id} {m.Name} ({m.Folder})").ToList();
        Assert.True(outside.Count == 0, $"event ids outside their folder's ranges:\n{string.Join('\n', outside)}");
    }

    private static string Folder(Type type) => type.Namespace!.Split('.') is [_, _, var folder, ..] ? folder : "(root)";
}
