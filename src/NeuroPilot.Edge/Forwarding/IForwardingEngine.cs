using NeuroPilot.Edge.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Forwarding;

/// <summary>
/// The forwarding step of one attempt: send the request to the destination the decision layer chose and relay the
/// response, reporting what happened in YARP's vocabulary (<see cref="ForwarderError"/>, <see cref="IForwarderErrorFeature"/>)
/// so that <see cref="Failover.AttemptClassifier"/> reads every engine the same way. An engine tells the request's
/// <see cref="Failover.ForwardAttempt"/> when response headers come (it may hold a failure status back for a retry)
/// and when a response breaks HTTP; retries, breakers and budgets stay in <see cref="EdgeProxy"/>.
/// </summary>
public interface IForwardingEngine
{
    /// <param name="context">The client's request and response.</param>
    /// <param name="service">The service the request was routed to.</param>
    /// <param name="destination">Where this attempt goes.</param>
    /// <param name="cancellationToken">Cancelled when the attempt's per-try timeout passes without response headers.</param>
    ValueTask<ForwarderError> SendAsync(HttpContext context, ServiceRoute service, DestinationState destination, CancellationToken cancellationToken);
}
