using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Failover;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Tests.Failover;

public class ForwardAttemptTests
{
    private static readonly TimeSpan PerTry = TimeSpan.FromSeconds(2);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void HasTried_DestinationsBegun_AreRememberedAndOthersAreNot()
    {
        var (a, b, c) = (Destination(9001), Destination(9002), Destination(9003));
        var attempt = new ForwardAttempt(_time);

        attempt.Begin(a, perTryTimeout: null);
        attempt.End();
        attempt.Begin(b, perTryTimeout: null);

        Assert.True(attempt.HasTried(a));
        Assert.True(attempt.HasTried(b));
        Assert.False(attempt.HasTried(c));
        Assert.Equal(2, attempt.Attempts);
        Assert.Same(b, attempt.Destination);
    }

    [Fact]
    public void HasTried_SameAddressButAnotherDestination_IsNotTried()
    {
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(Destination(9001), perTryTimeout: null);

        Assert.False(attempt.HasTried(Destination(9001)));
    }

    [Fact]
    public void OnResponseHeaders_ConfiguredStatusAndMayRetry_IsHeldBack()
    {
        var attempt = Begun(mayRetry: true);

        Assert.True(attempt.OnResponseHeaders(503));
        Assert.Equal(503, attempt.InterceptedStatus);
    }

    [Fact]
    public void OnResponseHeaders_StatusNotConfigured_IsPassedOn()
    {
        var attempt = Begun(mayRetry: true);

        Assert.False(attempt.OnResponseHeaders(500));
        Assert.False(attempt.OnResponseHeaders(200));
        Assert.Equal(0, attempt.InterceptedStatus);
    }

    [Fact]
    public void OnResponseHeaders_ConfiguredStatusButNoRetryAllowed_IsPassedOn()
    {
        var attempt = Begun(mayRetry: false);

        Assert.False(attempt.OnResponseHeaders(503));
        Assert.Equal(0, attempt.InterceptedStatus);
    }

    [Fact]
    public void Begin_NextAttempt_ForgetsTheHeldBackStatus()
    {
        var attempt = Begun(mayRetry: true);
        attempt.OnResponseHeaders(502);

        attempt.Begin(Destination(9002), perTryTimeout: null);

        Assert.Equal(0, attempt.InterceptedStatus);
        Assert.False(attempt.HeadersReceived);
    }

    [Fact]
    public void PerTryToken_NoHeadersWithinTheTimeout_IsCancelled()
    {
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(Destination(9001), PerTry);
        var token = attempt.PerTryToken;

        _time.Advance(PerTry - TimeSpan.FromMilliseconds(1));
        Assert.False(token.IsCancellationRequested);
        Assert.False(attempt.PerTryTimedOut);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(token.IsCancellationRequested);
        Assert.True(attempt.PerTryTimedOut);
    }

    [Fact]
    public void PerTryToken_HeadersArrivedInTime_IsNeverCancelled()
    {
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(Destination(9001), PerTry);
        var token = attempt.PerTryToken;
        _time.Advance(TimeSpan.FromSeconds(1));

        attempt.OnResponseHeaders(200);
        _time.Advance(TimeSpan.FromMinutes(5)); // a long download after the headers

        Assert.False(token.IsCancellationRequested);
        Assert.False(attempt.PerTryTimedOut);
    }

    [Fact]
    public void PerTryToken_WithoutPerTryTimeout_NeverFires()
    {
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(Destination(9001), perTryTimeout: null);

        _time.Advance(TimeSpan.FromHours(1));

        Assert.False(attempt.PerTryToken.IsCancellationRequested);
        Assert.False(attempt.PerTryTimedOut);
    }

    [Fact]
    public void PerTryToken_RetryAfterATimeout_GetsAFreshFullTimeout()
    {
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(Destination(9001), PerTry);
        _time.Advance(PerTry);
        Assert.True(attempt.PerTryTimedOut);
        attempt.End();

        attempt.Begin(Destination(9002), PerTry);
        var token = attempt.PerTryToken;
        Assert.False(token.IsCancellationRequested);
        Assert.False(attempt.PerTryTimedOut);

        _time.Advance(PerTry - TimeSpan.FromMilliseconds(1));
        Assert.False(token.IsCancellationRequested);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(token.IsCancellationRequested);
    }

    [Fact]
    public void PerTryToken_RetryAfterA503_GetsAFreshFullTimeout()
    {
        var attempt = new ForwardAttempt(_time) { MayRetry = true, RetryOnStatusCodes = [503] };
        attempt.Begin(Destination(9001), PerTry);
        _time.Advance(TimeSpan.FromSeconds(1.5));
        attempt.OnResponseHeaders(503);
        attempt.End();

        attempt.Begin(Destination(9002), PerTry);
        _time.Advance(PerTry - TimeSpan.FromMilliseconds(1));
        Assert.False(attempt.PerTryToken.IsCancellationRequested);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(attempt.PerTryToken.IsCancellationRequested);
        Assert.True(attempt.PerTryTimedOut);
    }

    [Fact]
    public void Begin_AndHeaders_KeepTheDestinationsAwaitingHeadersCount()
    {
        var destination = Destination(9001);
        var attempt = new ForwardAttempt(_time);

        attempt.Begin(destination, PerTry);
        Assert.Equal(1, destination.AwaitingHeaders);

        attempt.OnResponseHeaders(200);
        attempt.End();
        Assert.Equal(0, destination.AwaitingHeaders);

        attempt.Begin(destination, PerTry);
        attempt.End(); // no headers: an error or a timeout
        Assert.Equal(0, destination.AwaitingHeaders);
    }

    [Fact]
    public void Reset_UsedAttempt_IsLikeNewForTheNextRequest()
    {
        var destination = Destination(9001);
        var attempt = new ForwardAttempt(_time) { MayRetry = true, RetryOnStatusCodes = [503] };
        attempt.Begin(destination, PerTry);
        attempt.OnResponseHeaders(503);
        attempt.End();

        attempt.Reset();

        Assert.False(attempt.HasTried(destination));
        Assert.Equal(0, attempt.Attempts);
        Assert.Null(attempt.Destination);
        Assert.False(attempt.HeadersReceived);
        Assert.False(attempt.MayRetry);
        Assert.Equal(0, attempt.InterceptedStatus);
        Assert.False(attempt.PerTryTimedOut);
    }

    [Fact]
    public void Reset_AfterATimedOutRequest_NextRequestGetsAFullTimeout()
    {
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(Destination(9001), PerTry);
        _time.Advance(PerTry);
        attempt.End();

        attempt.Reset();
        Assert.False(attempt.PerTryToken.IsCancellationRequested);

        attempt.Begin(Destination(9002), PerTry);
        _time.Advance(PerTry - TimeSpan.FromMilliseconds(1));
        Assert.False(attempt.PerTryToken.IsCancellationRequested);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(attempt.PerTryTimedOut);
    }

    [Fact]
    public void Reset_WhileTheTimerRuns_DisarmsItForTheNextRequest()
    {
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(Destination(9001), PerTry);
        _time.Advance(TimeSpan.FromSeconds(1));
        attempt.End();

        attempt.Reset();
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.False(attempt.PerTryToken.IsCancellationRequested);
        attempt.Begin(Destination(9002), perTryTimeout: null);
        Assert.False(attempt.PerTryTimedOut);
    }

    private ForwardAttempt Begun(bool mayRetry)
    {
        var attempt = new ForwardAttempt(_time) { MayRetry = mayRetry, RetryOnStatusCodes = [502, 503, 504] };
        attempt.Begin(Destination(9001), PerTry);
        return attempt;
    }

    private DestinationState Destination(int port) => new(new Uri($"http://127.0.0.1:{port}"), time: _time);
}
