using System.Runtime.InteropServices;

namespace NeuroPilot.Edge.Tests.TestKit.Internal;

internal static class Libc
{
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public static void SendSignal(int pid, UnixSignal signal)
    {
        if (Kill(pid, (int)signal) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"kill -{signal} {pid} failed: errno {errno}");
        }
    }
}
