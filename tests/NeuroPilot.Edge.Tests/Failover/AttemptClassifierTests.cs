using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Failover;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Tests.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Tests.Failover;

public class AttemptClassifierTests
{
    private static readonly CircuitBreakerOptions Breaker = new();

    private readonly FakeTimeProvider _time = new();

    [Theory]
    [InlineData(200)]
    [InlineData(404)]
    [InlineData(500)]
    public void Classify_AnswerWithStatusNotCountedAsFailure_IsSuccess(int status)
    {
        var (context, attempt) = Answered(status);

        Assert.Equal(AttemptResult.Success, AttemptClassifier.Classify(context, ForwarderError.None, attempt, Breaker));
    }

    [Theory]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public void Classify_AnswerWithAFailureStatusCode_IsFailureStatus(int status)
    {
        var (context, attempt) = Answered(status);

        Assert.Equal(AttemptResult.FailureStatus, AttemptClassifier.Classify(context, ForwarderError.None, attempt, Breaker));
    }

    [Fact]
    public void Classify_StatusHeldBackForARetry_IsFailureStatus()
    {
        var context = new DefaultHttpContext();
        var service = TestRoutes.Service(TestRoutes.Region("us-east", Destination()), TestRoutes.Region("eu-west", Destination()));
        var attempt = new ForwardAttempt(_time) { MayRetry = true, RetryOnStatusCodes = [503], Route = (service, service.Regions[0]) };
        attempt.Begin(service.Regions[0].Destinations[0], perTryTimeout: null);
        Assert.True(attempt.OnResponseHeaders(503));

        Assert.Equal(AttemptResult.FailureStatus, AttemptClassifier.Classify(context, ForwarderError.None, attempt, Breaker));
    }

    [Fact]
    public void Classify_CancelledByThePerTryTimeout_IsPerTryTimeout()
    {
        var context = new DefaultHttpContext();
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(Destination(), TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(1));

        var result = AttemptClassifier.Classify(context, ForwarderError.RequestCanceled, attempt, Breaker);

        Assert.Equal(AttemptResult.PerTryTimeout, result);
        Assert.True(AttemptClassifier.IsRetryable(result));
    }

    [Fact]
    public void Classify_ClientWentAway_IsClientFailureAndNotRetried()
    {
        using var aborted = new CancellationTokenSource();
        aborted.Cancel();
        var context = new DefaultHttpContext { RequestAborted = aborted.Token };
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(Destination(), TimeSpan.FromSeconds(1));

        var result = AttemptClassifier.Classify(context, ForwarderError.Request, attempt, Breaker);

        Assert.Equal(AttemptResult.ClientFailure, result);
        Assert.False(AttemptClassifier.IsRetryable(result));
    }

    [Fact]
    public void Classify_ConnectionBrokeBeforeHeaders_IsRetryableReset()
    {
        var context = new DefaultHttpContext();
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(Destination(), perTryTimeout: null);

        var result = AttemptClassifier.Classify(context, ForwarderError.ResponseHeaders, attempt, Breaker);

        Assert.Equal(AttemptResult.Reset, result);
        Assert.True(AttemptClassifier.IsRetryable(result));
    }

    [Fact]
    public void Classify_BodyBrokeOffAfterHeaders_IsNotRetried()
    {
        var (context, attempt) = Answered(200);

        var result = AttemptClassifier.Classify(context, ForwarderError.ResponseBodyDestination, attempt, Breaker);

        Assert.Equal(AttemptResult.ResponseFailure, result);
        Assert.False(AttemptClassifier.IsRetryable(result));
    }

    private (DefaultHttpContext Context, ForwardAttempt Attempt) Answered(int status)
    {
        var context = new DefaultHttpContext();
        context.Response.StatusCode = status;
        var attempt = new ForwardAttempt(_time) { MayRetry = false };
        attempt.Begin(Destination(), perTryTimeout: null);
        attempt.OnResponseHeaders(status);
        return (context, attempt);
    }

    [Theory]
    [InlineData(typeof(InvalidOperationException), 400)] // a content header nominated by Connection
    [InlineData(typeof(FormatException), 400)] // a Host the outgoing request cannot carry (PreserveHost)
    [InlineData(typeof(NotSupportedException), 501)] // CONNECT
    public void Classify_OutgoingRequestCouldNotBeBuilt_IsTheClientsFailureAndNeverRetried(Type exception, int status)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IForwarderErrorFeature>(new ErrorFeature(ForwarderError.RequestCreation, (Exception)Activator.CreateInstance(exception)!));
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(Destination(), perTryTimeout: null);

        var result = AttemptClassifier.Classify(context, ForwarderError.RequestCreation, attempt, Breaker);

        Assert.Equal(AttemptResult.RequestRejected, result);
        Assert.False(AttemptClassifier.IsRetryable(result));
        Assert.False(AttemptClassifier.IsUpstreamsDoing(result));
        Assert.Equal(status, AttemptClassifier.RejectionStatus(context));
    }

    [Fact]
    public void Classify_ResponseThatBreaksHttp_IsTheUpstreamsRetryableFailure()
    {
        var context = new DefaultHttpContext();
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(Destination(), perTryTimeout: null);
        attempt.OnInvalidResponse();

        var result = AttemptClassifier.Classify(context, ForwarderError.None, attempt, Breaker);

        Assert.Equal(AttemptResult.InvalidResponse, result);
        Assert.True(AttemptClassifier.IsRetryable(result));
        Assert.True(AttemptClassifier.IsUpstreamsDoing(result));
    }

    [Fact]
    public void Classify_DestinationCertificateRefusedInTheTlsHandshake_IsAConnectFailure()
    {
        // What SocketsHttpHandler throws when the RemoteCertificateValidationCallback (UpstreamTls) refuses a destination.
        var refused = new HttpRequestException(HttpRequestError.SecureConnectionError, "The SSL connection could not be established",
            new System.Security.Authentication.AuthenticationException("The remote certificate was rejected by the provided RemoteCertificateValidationCallback."));
        var context = new DefaultHttpContext();
        context.Features.Set<IForwarderErrorFeature>(new ErrorFeature(ForwarderError.Request, refused));
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(Destination(), perTryTimeout: null);

        var result = AttemptClassifier.Classify(context, ForwarderError.Request, attempt, Breaker);

        // Nothing of the request was sent: another destination may take it, whatever its method.
        Assert.Equal(AttemptResult.ConnectFailure, result);
        Assert.True(AttemptClassifier.IsRetryable(result));
    }

    private sealed class ErrorFeature(ForwarderError error, Exception exception) : IForwarderErrorFeature
    {
        public ForwarderError Error => error;

        public Exception? Exception => exception;
    }

    private DestinationState Destination() => new(new Uri("http://127.0.0.1:9001"), time: _time);
}
