using System.Globalization;
using System.Net;

namespace NeuroPilot.Edge.LoadTests.Platform;

/// <summary>
/// Finds the processes that serve a TCP address on this machine: the LISTEN sockets for it in
/// <see cref="ProcNetTcp"/>, then every process with one of those sockets among its open files
/// (<c>/proc/PID/fd/N</c> links to <c>socket:[INODE]</c>). nginx and HAProxy hand one listening socket to a master
/// and its workers, so all of them are found; with <c>SO_REUSEPORT</c> there are several sockets, all are taken.
/// </summary>
internal static class ListeningProcessFinder
{
    /// <summary>The processes listening on <paramref name="address"/>:<paramref name="port"/>, or why none was found.</summary>
    public static TargetProcesses Find(IPAddress address, int port)
    {
        var where = new IPEndPoint(address, port).ToString();
        if (!OperatingSystem.IsLinux())
        {
            return TargetProcesses.Unavailable("CPU is read from /proc, which only Linux has");
        }

        var inodes = new HashSet<long>();
        foreach (var entry in ProcNetTcp.ReadAll())
        {
            if (entry.Accepts(address, port) && entry.Inode != 0)
            {
                inodes.Add(entry.Inode);
            }
        }

        if (inodes.Count == 0)
        {
            return TargetProcesses.Unavailable($"no process of this machine listens on {where} (a remote target?); give --pid");
        }

        var (owners, hidden) = OwnersOf(inodes);
        if (owners.Count == 0)
        {
            return TargetProcesses.Unavailable(
                $"the process listening on {where} is not visible to this user ({hidden} processes' open files unreadable); run as its user or root, or give --pid");
        }

        return TargetProcesses.Of(owners, $"listening on {where}");
    }

    /// <summary>The processes holding any of <paramref name="inodes"/>, in pid order, and how many processes could not be looked into.</summary>
    private static (List<int> Owners, int Hidden) OwnersOf(HashSet<long> inodes)
    {
        var owners = new List<int>();
        var hidden = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(directory, "fd")))
                {
                    if (SocketInode(new FileInfo(fd).LinkTarget) is { } inode && inodes.Contains(inode))
                    {
                        owners.Add(pid);
                        break;
                    }
                }
            }
            catch (UnauthorizedAccessException)
            {
                hidden++;
            }
            catch (IOException)
            {
                // The process exited while we looked.
            }
        }

        owners.Sort();
        return (owners, hidden);
    }

    /// <summary>The inode of a <c>socket:[12345]</c> link target; null for any other file.</summary>
    public static long? SocketInode(string? linkTarget) =>
        linkTarget is not null && linkTarget.StartsWith("socket:[", StringComparison.Ordinal) && linkTarget.EndsWith(']') &&
        long.TryParse(linkTarget.AsSpan(8, linkTarget.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
            ? inode
            : null;
}
