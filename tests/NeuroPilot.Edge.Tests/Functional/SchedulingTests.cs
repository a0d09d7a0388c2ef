using System.Net;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// <c>Edge.Scheduling</c> on the real binary: both settings proxy, and each really sets up the socket engine it names
/// (.NET runs one ".NET Sockets" event thread per core with inline completions, one per 30 cores without).
/// </summary>
public sealed class SchedulingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(null)]
    [InlineData("inline")]
    [InlineData("threadpool")]
    public async Task Run_Scheduling_ProxiesOnTheSocketEventThreadsItNames(string? scheduling)
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        var extras = scheduling is null ? "" : $$""" "Scheduling": "{{scheduling}}" """;
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, upstreams.All, edgeExtras: extras));
        using var client = edge.CreateClient();

        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync($"/orders/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"us-east GET /orders/{i}\n", await response.Content.ReadAsStringAsync());
        }

        var names = Directory.GetDirectories($"/proc/{edge.Pid}/task").Select(task => File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n')).ToList();
        var eventThreads = names.Count(name => name == ".NET Sockets");
        output.WriteLine($"{eventThreads} socket event threads on {Environment.ProcessorCount} cores; threads: {string.Join(", ", names.Order())}");
        var expected = scheduling == "threadpool" ? Math.Max(1, (int)Math.Round(Environment.ProcessorCount / 30.0)) : Environment.ProcessorCount;
        Assert.Equal(expected, eventThreads);
    }
}
