using System.Diagnostics;
using System.Net.Sockets;
using CsCheck;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.CircuitBreaking;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Failover;
using NeuroPilot.Edge.Routing;
using Xunit.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Tests.Failover;

/// <summary>
/// Random sequences of attempt outcomes, some caused by upstreams and some by clients, fed through the classifier
/// and into a breaker, beside the same sequence with the client-caused outcomes left out: the two breakers must be
/// in the same state after every step. A client can never move health, whatever it sends or however it leaves.
/// </summary>
public sealed class AttemptEvidencePropertyTests(ITestOutputHelper output)
{
    private const int Iterations = 2_000;

    private static readonly CircuitBreakerOptions Breaker = new()
    {
        ConsecutiveFailures = 3,
        MinimumThroughput = 4,
        FailureRatio = 0.5,
        BreakDuration = TimeSpan.FromSeconds(1),
        HalfOpenTrials = 2,
    };

    /// <summary>One step: an attempt outcome (or a probe result), then some time passing.</summary>
    private sealed record Step(string Name, bool ClientCaused, bool? Probe, ForwarderError Error, int Status, Exception? Exception,
        bool ClientAborted, bool PerTryTimedOut, bool Invalid, int AdvanceMs);

    private static readonly Gen<Exception> AnyException = Gen.OneOf<Exception>(
        new InvalidOperationException("header"), new FormatException("host"), new NotSupportedException("CONNECT"),
        new IOException("reset"), new SocketException((int)SocketError.ConnectionRefused), new HttpRequestException("x"),
        new OperationCanceledException());

    private static readonly Gen<Step> ClientStep = Gen.OneOf(
        // The outgoing request could not be built from what the client sent (any exception the transform may throw).
        AnyException.Select(e => new Step("request rejected", true, null, ForwarderError.RequestCreation, 502, e, false, false, false, 0)),
        // The client went away: whatever error the forwarder reports after that (an answer relayed in full is the
        // upstream's, however the client left).
        Gen.Select(Gen.Enum<ForwarderError>().Where(e => e != ForwarderError.None), AnyException, (error, e) =>
            new Step($"client aborted ({error})", true, null, error, 502, e, true, false, false, 0)),
        // Request body failures and cancellations on the client's side.
        Gen.OneOf(ForwarderError.RequestBodyClient, ForwarderError.ResponseBodyClient, ForwarderError.UpgradeRequestClient,
                ForwarderError.UpgradeResponseClient, ForwarderError.RequestCanceled, ForwarderError.RequestBodyCanceled)
            .Select(error => new Step($"client side {error}", true, null, error, 400, new IOException("client"), false, false, false, 0)));

    private static readonly Gen<Step> UpstreamStep = Gen.OneOf(
        Gen.OneOf(200, 201, 204, 301, 404, 500).Select(status => new Step($"answer {status}", false, null, ForwarderError.None, status, null, false, false, false, 0)),
        Gen.OneOf(502, 503, 504).Select(status => new Step($"failure status {status}", false, null, ForwarderError.None, status, null, false, false, false, 0)),
        Gen.Const(new Step("refused", false, null, ForwarderError.Request, 502, new HttpRequestException(HttpRequestError.ConnectionError, "refused", new SocketException((int)SocketError.ConnectionRefused)), false, false, false, 0)),
        Gen.Const(new Step("reset", false, null, ForwarderError.Request, 502, new IOException("reset"), false, false, false, 0)),
        Gen.Const(new Step("timed out", false, null, ForwarderError.RequestTimedOut, 504, new OperationCanceledException(), false, false, false, 0)),
        Gen.Const(new Step("per-try timeout", false, null, ForwarderError.RequestCanceled, 502, new OperationCanceledException(), false, true, false, 0)),
        Gen.Const(new Step("response body broke", false, null, ForwarderError.ResponseBodyDestination, 200, new IOException("x"), false, false, false, 0)),
        Gen.Const(new Step("broken response", false, null, ForwarderError.None, 502, null, false, false, true, 0)),
        Gen.Bool.Select(healthy => new Step($"probe {(healthy ? "ok" : "failed")}", false, healthy, ForwarderError.None, 0, null, false, false, false, 0)));

    private static readonly Gen<Step> AnyStep = Gen.Select(Gen.Frequency((1, ClientStep), (2, UpstreamStep)), Gen.Int[0, 700], (step, ms) => step with { AdvanceMs = ms });

    [Fact]
    public void ClientCausedOutcomes_MixedIntoAnyUpstreamHistory_NeverChangeTheBreaker()
    {
        var clock = Stopwatch.StartNew();
        var cases = 0;
        var clientSteps = 0;
        AnyStep.List[1, 60].Sample(steps =>
        {
            Interlocked.Increment(ref cases);
            var time = new FakeTimeProvider();
            var withClients = Destination(time);
            var withoutClients = Destination(time);
            foreach (var step in steps)
            {
                if (step.Probe is { } healthy)
                {
                    withClients.Breaker.OnProbe(healthy);
                    withoutClients.Breaker.OnProbe(healthy);
                }
                else
                {
                    var result = Classify(step, withClients);
                    Assert.True(step.ClientCaused != AttemptClassifier.IsUpstreamsDoing(result), $"{step.Name} was classified {result}");
                    AttemptEvidence.Record(withClients, result);
                    if (step.ClientCaused)
                    {
                        Interlocked.Increment(ref clientSteps);
                        Assert.False(AttemptClassifier.IsRetryable(result), $"{step.Name} ({result}) would be retried");
                    }
                    else
                    {
                        AttemptEvidence.Record(withoutClients, Classify(step, withoutClients));
                    }
                }

                time.Advance(TimeSpan.FromMilliseconds(step.AdvanceMs));
                withClients.Breaker.Tick();
                withoutClients.Breaker.Tick();
                Assert.Equal(withoutClients.Breaker.State, withClients.Breaker.State);
                Assert.Equal(withoutClients.Breaker.BreakDuration, withClients.Breaker.BreakDuration);
            }
        }, iter: Iterations);

        output.WriteLine($"{cases} random histories ({clientSteps} client-caused outcomes among them) in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(Iterations, cases);
    }

    private static DestinationState Destination(TimeProvider time) =>
        new(new Uri("http://127.0.0.1:9001"), "api", "us-east", Breaker, healthyThreshold: 2, time);

    private static AttemptResult Classify(Step step, DestinationState destination)
    {
        using var aborted = new CancellationTokenSource();
        if (step.ClientAborted)
        {
            aborted.Cancel();
        }

        var context = new DefaultHttpContext { RequestAborted = aborted.Token };
        context.Response.StatusCode = step.Status;
        if (step.Exception is not null)
        {
            context.Features.Set<IForwarderErrorFeature>(new ErrorFeature(step.Error, step.Exception));
        }

        // The per-try timer runs on a clock of its own, so both breakers see exactly the same times.
        var attemptClock = new FakeTimeProvider();
        var attempt = new ForwardAttempt(attemptClock);
        attempt.Begin(destination, step.PerTryTimedOut ? TimeSpan.FromMilliseconds(1) : null);
        attemptClock.Advance(TimeSpan.FromMilliseconds(1));

        if (step.Invalid)
        {
            attempt.OnInvalidResponse();
        }

        var result = AttemptClassifier.Classify(context, step.Error, attempt, new CircuitBreakerOptions());
        attempt.End();
        return result;
    }

    private sealed class ErrorFeature(ForwarderError error, Exception exception) : IForwarderErrorFeature
    {
        public ForwarderError Error => error;

        public Exception? Exception => exception;
    }
}
