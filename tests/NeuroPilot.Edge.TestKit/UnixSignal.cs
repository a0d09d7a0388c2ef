namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>Linux signal numbers the tests send to child processes (<c>kill -NUM PID</c>).</summary>
public enum UnixSignal
{
    SIGHUP = 1,
    SIGINT = 2,
    SIGKILL = 9,
    SIGUSR1 = 10,
    SIGTERM = 15,
    SIGCONT = 18,
    SIGSTOP = 19,
}
