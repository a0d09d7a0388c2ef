using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Failover;

namespace NeuroPilot.Edge.Tests.Failover;

public class RequestReplayTests
{
    private static readonly RetryOptions Retry = new() { MaxAttempts = 3, BufferLimitBytes = 1024 };

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    [InlineData("OPTIONS")]
    [InlineData("TRACE")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public void Prepare_IdempotentMethodWithoutBody_IsReplayable(string method)
    {
        var context = Request(method);

        Assert.True(RequestReplay.Prepare(context, Retry));
    }

    [Theory]
    [InlineData("get")]
    [InlineData("Delete")]
    public void Prepare_MethodInAnyCase_IsRecognised(string method)
    {
        Assert.True(RequestReplay.Prepare(Request(method), Retry));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PATCH")]
    public void Prepare_NonIdempotentMethod_IsNotReplayedByDefault(string method)
    {
        Assert.False(RequestReplay.Prepare(Request(method), Retry));
        Assert.False(RequestReplay.Prepare(Request(method, Body(10)), Retry));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PATCH")]
    public void Prepare_NonIdempotentMethodWithRetryNonIdempotent_IsReplayable(string method)
    {
        var retry = new RetryOptions { MaxAttempts = 3, BufferLimitBytes = 1024, RetryNonIdempotent = true };

        Assert.True(RequestReplay.Prepare(Request(method), retry));
        Assert.True(RequestReplay.Prepare(Request(method, Body(10)), retry));
    }

    [Fact]
    public void Prepare_ExplicitlyEmptyBody_IsReplayable()
    {
        var context = Request("PUT");
        context.Request.ContentLength = 0;

        Assert.True(RequestReplay.Prepare(context, Retry));
    }

    [Fact]
    public void Prepare_BodyUpToBufferLimitBytes_IsReplayable()
    {
        Assert.True(RequestReplay.Prepare(Request("PUT", Body(1024)), Retry));
    }

    [Fact]
    public void Prepare_BodyLargerThanBufferLimitBytes_IsNotReplayable()
    {
        Assert.False(RequestReplay.Prepare(Request("PUT", Body(1025)), Retry));
    }

    [Fact]
    public void Prepare_BufferLimitZero_ReplaysOnlyRequestsWithoutBody()
    {
        var retry = new RetryOptions { MaxAttempts = 3, BufferLimitBytes = 0 };

        Assert.True(RequestReplay.Prepare(Request("GET"), retry));
        Assert.False(RequestReplay.Prepare(Request("PUT", Body(1)), retry));
    }

    [Fact]
    public void Prepare_ChunkedBodyOfUnknownLength_IsNotReplayable()
    {
        var context = Request("PUT", Body(10), chunked: true);

        Assert.False(RequestReplay.Prepare(context, Retry));
    }

    [Fact]
    public void Prepare_ChunkedPostEvenWithRetryNonIdempotent_IsNotReplayable()
    {
        var retry = new RetryOptions { MaxAttempts = 3, BufferLimitBytes = 1024, RetryNonIdempotent = true };

        Assert.False(RequestReplay.Prepare(Request("POST", Body(10), chunked: true), retry));
    }

    [Fact]
    public void Prepare_MaxAttemptsOne_DisablesReplayEvenForGet()
    {
        var retry = new RetryOptions { MaxAttempts = 1 };

        Assert.False(RequestReplay.Prepare(Request("GET"), retry));
    }

    [Fact]
    public void Prepare_SmallBody_CanBeSentAgainAfterRewind()
    {
        var body = Body(100);
        var context = Request("PUT", body);
        Assert.True(RequestReplay.Prepare(context, Retry));

        var first = ReadAll(context.Request.Body);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers["X-Upstream"] = "us-east";
        RequestReplay.Rewind(context);
        var second = ReadAll(context.Request.Body);

        Assert.Equal(body, first);
        Assert.Equal(body, second);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("X-Upstream"));
    }

    [Fact]
    public void Prepare_BodyTooLarge_LeavesTheBodyStreaming()
    {
        var context = Request("PUT", Body(2048), seekable: false);

        Assert.False(RequestReplay.Prepare(context, Retry));
        Assert.False(context.Request.Body.CanSeek);
    }

    /// <summary>A request as Kestrel presents it: the body detection feature says whether a body can follow.</summary>
    private static DefaultHttpContext Request(string method, byte[]? body = null, bool chunked = false, bool seekable = true)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection(body is not null));
        if (body is not null)
        {
            context.Request.Body = seekable ? new MemoryStream(body) : new ForwardOnlyStream(body);
            if (chunked)
            {
                context.Request.Headers.TransferEncoding = "chunked";
            }
            else
            {
                context.Request.ContentLength = body.Length;
            }
        }

        return context;
    }

    private static byte[] Body(int length) => Encoding.ASCII.GetBytes(new string('x', length));

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private sealed class BodyDetection(bool canHaveBody) : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody { get; } = canHaveBody;
    }

    /// <summary>A request body as it comes off the wire: it cannot seek.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
