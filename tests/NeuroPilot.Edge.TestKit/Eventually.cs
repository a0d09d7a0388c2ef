namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// The only way a test waits: poll a condition until it holds or a deadline passes, then fail with what was awaited.
/// An exception thrown by the condition counts as "not yet" (a server still starting refuses connections); the
/// last one is reported if the deadline passes.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan deadline, string description) =>
        WaitUntilAsync(() => Task.FromResult(condition()), deadline, description);

    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan deadline, Func<string> description) =>
        WaitUntilAsync(() => Task.FromResult(condition()), deadline, description);

    public static Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan deadline, string description) =>
        WaitUntilAsync(condition, deadline, () => description);

    /// <summary>As above, the description built only on failure (to include what happened meanwhile).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan deadline, Func<string> description)
    {
        var started = TimeProvider.System.GetTimestamp();
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                last = e;
            }

            if (TimeProvider.System.GetElapsedTime(started) >= deadline)
            {
                var because = last is null ? "" : $" (last attempt threw {last.GetType().Name}: {last.Message})";
                throw new TimeoutException($"timed out after {deadline.TotalSeconds:0.###} s waiting until {description()}{because}", last);
            }

            await Task.Delay(PollInterval);
        }
    }
}
