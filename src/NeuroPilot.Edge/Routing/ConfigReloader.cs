
namespace NeuroPilot.Edge.Routing;

/// <summary>
/// The one worker that reloads the config: SIGHUP, file events and <c>POST /admin/reload</c> only ask it to. It
/// runs on a thread of its own, one reload at a time, so tables are applied in the order the file was read. Requests
/// that arrive while it works merge into its next round (twenty SIGHUPs during a slow read make one more read, not
/// twenty), and each request is answered by a round that started after it. A read that stalls holds this thread
/// alone, never the thread pool that serves requests.
/// </summary>
public sealed partial class ConfigReloader : IHostedService, IDisposable
{
    private readonly Func<string, ReloadResult> _reload;
    private readonly IReloadNotifier? _notifier;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<string> _triggers = [];
    private TaskCompletionSource<ReloadResult>? _next;
    private Thread? _thread;
    private int _disposed;

    public ConfigReloader(EdgeRuntime runtime, IReloadNotifier notifier, ILogger<ConfigReloader> logger)
        : this(runtime.ReloadFromFile, notifier, logger)
    {
    }

    internal ConfigReloader(Func<string, ReloadResult> reload, IReloadNotifier? notifier, ILogger logger)
    {
        _reload = reload;
        _notifier = notifier;
        _logger = logger;
    }

    /// <summary>
    /// Asks for a reload. The task completes with the result of the round that reads the file after this call
    /// (shared with every request merged into that round); it never completes if the worker is stopped first.
    /// </summary>
    public Task<ReloadResult> RequestAsync(string trigger)
    {
        lock (_gate)
        {
            if (!_triggers.Contains(trigger))
            {
                _triggers.Add(trigger);
            }

            if (_next is null)
            {
                _next = new TaskCompletionSource<ReloadResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                _wake.Release();
            }

            return _next.Task;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // A round stuck in a read keeps its thread; it is a background thread and does not hold the exit.
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        // Registered as a singleton and as a hosted service: disposed twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping.Cancel();
        _stopping.Dispose();
        _wake.Dispose();
    }

    internal void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "config reload" };
        _thread.Start();
    }

    private void Run()
    {
        while (true)
        {
            try
            {
                _wake.Wait(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            string trigger;
            TaskCompletionSource<ReloadResult> round;
            lock (_gate)
            {
                trigger = string.Join(", ", _triggers);
                _triggers.Clear();
                round = _next!;
                _next = null;
            }

            var result = ReloadResult.Rejected;
            _notifier?.NotifyReloading($"reloading ({trigger})");
            try
            {
                result = _reload(trigger);
            }
            catch (Exception e)
            {
                // A reload must never take the process down; the old config keeps serving.
                LogReloadFailed(trigger, e);
            }
            finally
            {
                _notifier?.NotifyReady(result == ReloadResult.Rejected ? "serving; last reload rejected" : "serving");
            }

            round.TrySetResult(result);
        }
    }
}
