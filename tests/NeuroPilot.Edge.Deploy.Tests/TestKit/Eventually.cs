namespace NeuroPilot.Edge.Deploy.Tests.TestKit;

/// <summary>
/// The only way a test waits: poll a condition until it holds or a deadline passes, then fail saying what was awaited.
/// An exception from the condition counts as "not yet"; the last one is reported.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

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
                throw new TimeoutException($"timed out after {deadline.TotalSeconds:0.#} s waiting until {description()}{because}", last);
            }

            await Task.Delay(PollInterval);
        }
    }
}
