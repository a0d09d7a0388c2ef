using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Failover;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Tests.Routing;

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
        var (attempt, _) = Routed(new RetryOptions());
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
        var (attempt, service) = Routed(new RetryOptions());
        var destination = service.Regions[0].Destinations[0];
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

    [Fact]
    public void Begin_BodyStillComing_NeitherPerTryTimerNorStallClockRun()
    {
        var destination = Destination(9001);
        var attempt = new ForwardAttempt(_time);

        attempt.Begin(destination, PerTry, bodyPending: true);
        _time.Advance(PerTry * 10); // a client uploading slowly

        Assert.False(attempt.PerTryToken.IsCancellationRequested);
        Assert.Equal(0, destination.AwaitingHeaders);
        Assert.Equal(TimeSpan.Zero, destination.WaitingFor(_time.GetTimestamp()));
    }

    [Fact]
    public void OnRequestBodySent_StartsThePerTryTimerAndTheStallClock()
    {
        var destination = Destination(9001);
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(destination, PerTry, bodyPending: true);
        _time.Advance(TimeSpan.FromSeconds(30));

        attempt.OnRequestBodySent();

        Assert.Equal(1, destination.AwaitingHeaders);
        _time.Advance(PerTry - TimeSpan.FromMilliseconds(1));
        Assert.False(attempt.PerTryToken.IsCancellationRequested);
        Assert.Equal(PerTry - TimeSpan.FromMilliseconds(1), destination.WaitingFor(_time.GetTimestamp()));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(attempt.PerTryTimedOut);
    }

    [Fact]
    public void OnResponseHeaders_BeforeTheBodyWasSent_NeverStartsTheClock()
    {
        var destination = Destination(9001);
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(destination, PerTry, bodyPending: true);

        attempt.OnResponseHeaders(413); // an early answer
        attempt.OnRequestBodySent();
        attempt.End();
        _time.Advance(PerTry * 2);

        Assert.Equal(0, destination.AwaitingHeaders);
        Assert.False(attempt.PerTryToken.IsCancellationRequested);
    }

    [Fact]
    public void OnResponseHeaders_RetryStatusButTheBudgetIsSpent_RelaysTheResponseWhole()
    {
        var (attempt, service) = Routed(budget: new RetryOptions { BudgetPercent = 0, MinRetryConcurrency = 0 });

        Assert.False(attempt.OnResponseHeaders(503));
        Assert.Equal(0, attempt.InterceptedStatus);
        Assert.False(attempt.TryReserveRetry());
        Assert.Equal(0, service.Budget.ActiveRetries);
    }

    [Fact]
    public void OnResponseHeaders_RetryStatusWithinTheBudget_ReservesTheNextDestinationAndOneSlot()
    {
        var (attempt, service) = Routed(budget: new RetryOptions { BudgetPercent = 0, MinRetryConcurrency = 1 });

        Assert.True(attempt.OnResponseHeaders(503));
        Assert.True(attempt.TryReserveRetry()); // asking again reserves nothing more
        Assert.Equal(1, service.Budget.ActiveRetries);

        Assert.True(attempt.TakeReservation(out var next, out var region));
        Assert.Same(service.Regions[1].Destinations[0], next);
        Assert.Same(service.Regions[1], region);
    }

    [Fact]
    public void OnResponseHeaders_RetryStatusFromADestinationHealthTookOut_IsFailoverAndFreeOfTheBudget()
    {
        var (attempt, service) = Routed(budget: new RetryOptions { BudgetPercent = 0, MinRetryConcurrency = 0 });
        service.Regions[0].Destinations[0].MarkedDown = true;

        Assert.True(attempt.OnResponseHeaders(503));
        Assert.False(attempt.TakeReservation(out _, out _));
        Assert.Equal(0, service.Budget.ActiveRetries);
    }

    [Fact]
    public void Reset_WithAReservationNeverTaken_GivesTheBudgetSlotBack()
    {
        var (attempt, service) = Routed(budget: new RetryOptions { BudgetPercent = 0, MinRetryConcurrency = 1 });
        attempt.OnResponseHeaders(503);
        Assert.Equal(1, service.Budget.ActiveRetries);

        attempt.Reset(); // the client went away before the retry

        Assert.Equal(0, service.Budget.ActiveRetries);
    }

    /// <summary>An attempt that may retry, begun on the first of two single-destination regions.</summary>
    private (ForwardAttempt Attempt, ServiceRoute Service) Routed(RetryOptions budget)
    {
        var service = TestRoutes.Service(budget, TestRoutes.Region("us-east", Destination(9001)), TestRoutes.Region("eu-west", Destination(9002)));
        var attempt = new ForwardAttempt(_time) { MayRetry = true, RetryOnStatusCodes = [502, 503, 504] };
        attempt.Route = (service, service.Regions[0]);
        attempt.Begin(service.Regions[0].Destinations[0], PerTry);
        return (attempt, service);
    }

    private ForwardAttempt Begun(bool mayRetry)
    {
        var (attempt, _) = Routed(new RetryOptions());
        attempt.MayRetry = mayRetry;
        return attempt;
    }

    private DestinationState Destination(int port) => new(new Uri($"http://127.0.0.1:{port}"), time: _time);
}
