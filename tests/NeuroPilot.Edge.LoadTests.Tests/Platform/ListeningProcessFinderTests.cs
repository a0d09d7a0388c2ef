using System.Net;
using System.Net.Sockets;
using NeuroPilot.Edge.LoadTests.Platform;

namespace NeuroPilot.Edge.LoadTests.Tests.Platform;

public class ListeningProcessFinderTests
{
    [Fact]
    public void Find_TcpListenerOfThisProcess_ReturnsThisProcessId()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var found = ListeningProcessFinder.Find(IPAddress.Loopback, port);

        Assert.True(found.UnavailableReason is null, found.UnavailableReason);
        Assert.Equal([Environment.ProcessId], found.ProcessIds);
        Assert.Equal($"listening on 127.0.0.1:{port}", found.Source);
    }

    [Fact]
    public void Find_WildcardListenerOfThisProcess_IsFoundForALoopbackTarget()
    {
        using var listener = new TcpListener(IPAddress.IPv6Any, 0);
        listener.Server.DualMode = true;
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var found = ListeningProcessFinder.Find(IPAddress.Loopback, port);

        Assert.Equal([Environment.ProcessId], found.ProcessIds);
    }

    [Fact]
    public void Find_PortNobodyListensOn_IsUnavailableWithAOneLineReason()
    {
        // A port that was free a moment ago: bind, note it, release.
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var found = ListeningProcessFinder.Find(IPAddress.Loopback, port);

        Assert.Empty(found.ProcessIds);
        Assert.Equal($"no process of this machine listens on 127.0.0.1:{port} (a remote target?); give --pid", found.UnavailableReason);
        Assert.DoesNotContain('\n', found.Describe());
        Assert.Null(found.Read().Seconds);
    }

    [Theory]
    [InlineData("socket:[2661626]", 2661626L)]
    [InlineData("socket:[]", null)]
    [InlineData("pipe:[12]", null)]
    [InlineData("/dev/null", null)]
    [InlineData(null, null)]
    public void SocketInode_LinkTargetOfAnOpenFile_IsTheInodeOfASocketOnly(string? target, long? inode)
    {
        Assert.Equal(inode, ListeningProcessFinder.SocketInode(target));
    }

    [Fact]
    public void Read_ThisProcess_GivesItsCpuTimeWhichGrowsWithWork()
    {
        var processes = TargetProcesses.Of([Environment.ProcessId], "--pid");

        var before = processes.Read();
        var spin = System.Diagnostics.Stopwatch.StartNew();
        var x = 0.0;
        while (spin.ElapsedMilliseconds < 50)
        {
            x += Math.Sqrt(x + 1);
        }

        var after = processes.Read();

        Assert.True(x > 0);
        Assert.NotNull(before.Seconds);
        Assert.True(after.Seconds > before.Seconds, $"{before} then {after}");
    }
}
