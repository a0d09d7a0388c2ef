using System.Net.WebSockets;
using System.Text;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>WebSocket connections are upgraded through the edge and carry messages both ways.</summary>
public sealed class WebSocketTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task WebSocket_ThroughTheEdge_EchoesTextAndBinaryMessages()
    {
        using var upstream = await UpstreamProcess.StartAsync("us-east");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, [upstream]));

        using var socket = new ClientWebSocket();
        socket.Options.Proxy = null;
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{proxyPort}/ws"), CancellationToken.None).WaitAsync(Deadline);

        var text = Encoding.UTF8.GetBytes("hello through the edge");
        var binary = new byte[100 * 1024];
        new Random(42).NextBytes(binary);
        foreach (var (message, type) in new[] { (text, WebSocketMessageType.Text), (binary, WebSocketMessageType.Binary), (text, WebSocketMessageType.Text) })
        {
            await socket.SendAsync(message, type, endOfMessage: true, CancellationToken.None).WaitAsync(Deadline);
            var (echo, echoType) = await ReceiveMessageAsync(socket).WaitAsync(Deadline);
            output.WriteLine($"sent {type} {message.Length} bytes, got {echoType} {echo.Length} bytes back");
            Assert.Equal(type, echoType);
            Assert.Equal(message, echo);
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(Deadline);
        Assert.Equal(WebSocketState.Closed, socket.State);
    }

    private static async Task<(byte[] Message, WebSocketMessageType Type)> ReceiveMessageAsync(ClientWebSocket socket)
    {
        using var message = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (message.ToArray(), result.MessageType);
            }
        }
    }
}
