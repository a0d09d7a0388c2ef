using System.Runtime.InteropServices;

namespace NeuroPilot.Edge.Tests.TestKit.Internal;

internal static class Libc
{
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int RenameFile([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);

    /// <summary>rename(2): atomically replaces <paramref name="to"/> (a file or a symlink, even one to a folder).</summary>
    public static void Rename(string from, string to)
    {
        if (RenameFile(from, to) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"rename {from} -> {to} failed: errno {errno}");
        }
    }

    public static void SendSignal(int pid, UnixSignal signal)
    {
        if (Kill(pid, (int)signal) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"kill -{signal} {pid} failed: errno {errno}");
        }
    }
}
