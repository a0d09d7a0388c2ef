using System.Diagnostics;

namespace NeuroPilot.Edge.LoadTests.Tests.TestKit;

/// <summary>Headless Debian Chromium, offline, for screenshots of reports.</summary>
public static class Chromium
{
    public static string? Locate()
    {
        foreach (var candidate in new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Renders <paramref name="htmlFile"/> into a PNG; throws with Chromium's output when it fails.</summary>
    public static async Task ScreenshotAsync(string htmlFile, string pngFile, string profileDirectory)
    {
        var executable = Locate() ?? throw new InvalidOperationException("chromium is not installed (tests/apt-packages.txt lists it; apt-get install chromium)");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            $"--user-data-dir={profileDirectory}", $"--screenshot={pngFile}", "--window-size=1200,1600",
            new Uri(htmlFile).AbsoluteUri,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish the screenshot within 60 s");
        }

        if (process.ExitCode != 0 || !File.Exists(pngFile))
        {
            throw new InvalidOperationException($"chromium exited {process.ExitCode}:\n{await output}\n{await error}");
        }
    }
}
