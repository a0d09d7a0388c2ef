namespace NeuroPilot.Edge.Configuration;

public static class EdgeDefaults
{
    public static readonly Uri Listen = new("http://127.0.0.1:8080");
    public static readonly Uri AdminListen = new("http://127.0.0.1:9901");
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);
    public const ForwardingEngine Engine = ForwardingEngine.Fast;
    public const IoScheduling Scheduling = IoScheduling.Inline;

    /// <summary>The most socket event threads <c>Edge.EventThreads</c> accepts (nginx's and HAProxy's thread caps are of this order).</summary>
    public const int MaxEventThreads = 1024;
}
