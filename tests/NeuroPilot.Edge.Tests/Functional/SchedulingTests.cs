using System.Net;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// <c>Edge.Scheduling</c> and <c>Edge.EventThreads</c> on the real binary: each setting proxies and really sets up the
/// socket engine it names (.NET runs one ".NET Sockets" event thread per core with inline completions, one per 30 cores
/// without, and the count given when there is one).
/// </summary>
public sealed class SchedulingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("inline", null)]
    [InlineData("threadpool", null)]
    [InlineData(null, 1)]
    [InlineData("inline", 3)]
    [InlineData("threadpool", 2)]
    public async Task Run_Scheduling_ProxiesOnTheSocketEventThreadsItNames(string? scheduling, int? eventThreads)
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        var extras = string.Join(", ", new[]
        {
            scheduling is null ? null : $$""" "Scheduling": "{{scheduling}}" """,
            eventThreads is null ? null : $$""" "EventThreads": {{eventThreads}} """,
        }.OfType<string>());
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, upstreams.All, edgeExtras: extras));
        using var client = edge.CreateClient();

        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync($"/orders/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"us-east GET /orders/{i}\n", await response.Content.ReadAsStringAsync());
        }

        var names = Directory.GetDirectories($"/proc/{edge.Pid}/task").Select(task => File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n')).ToList();
        var socketThreads = names.Count(name => name == ".NET Sockets");
        output.WriteLine($"{socketThreads} socket event threads on {Environment.ProcessorCount} cores; threads: {string.Join(", ", names.Order())}");
        var expected = eventThreads ?? (scheduling == "threadpool" ? Math.Max(1, (int)Math.Round(Environment.ProcessorCount / 30.0)) : Environment.ProcessorCount);
        Assert.Equal(expected, socketThreads);
    }
}
