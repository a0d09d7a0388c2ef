namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>
/// What the open-model scheduler drives. The scheduler owns time (when each request is due); the transport owns
/// connections, timeouts and recording each request's outcome in the run's <see cref="RunRecorder"/>.
/// All methods but <see cref="OpenAsync"/> are called from the scheduler thread only.
/// </summary>
internal interface ILoadTransport : IAsyncDisposable
{
    /// <summary>Requests started or waiting for a connection.</summary>
    int Outstanding { get; }

    /// <summary>Requests on a connection right now.</summary>
    int Busy { get; }

    /// <summary>Opens the connections ahead of the run; returns how many opened.</summary>
    Task<int> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Starts one request intended at <paramref name="intendedTimestamp"/>, or queues it when no connection is free. Never blocks.</summary>
    void Issue(long intendedTimestamp);

    /// <summary>Abandons requests whose timeout (counted from the intended start) has passed.</summary>
    void CheckTimeouts(long nowTimestamp);

    /// <summary>Ends every outstanding request as unfinished and accepts no more.</summary>
    void AbortAll(long nowTimestamp);
}
