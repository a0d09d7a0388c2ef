using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace NeuroPilot.Edge.Configuration.Internal;

/// <summary>
/// Opens the files that the config and the environment name (the config itself, secret files, the access log)
/// the way an edge must: opening never blocks (<c>O_NONBLOCK</c>: a FIFO without a writer or reader cannot stall
/// start-up or a reload), what is read must be a regular file and is read up to a cap (<c>/dev/zero</c> cannot
/// fill memory), and every failure is a <see cref="FileProblemException"/> whose message is the reason in words.
/// .NET cannot tell a FIFO or a device from a regular file, nor open without blocking, hence <c>open</c>,
/// <c>statx</c> and <c>fcntl</c> from libc (glibc 2.28 or later; flag values are the same on x64 and arm64).
/// </summary>
internal static partial class UnixFile
{
    private const int ReadOnly = 0x0;
    private const int WriteOnly = 0x1;
    private const int Create = 0x40;
    private const int NoControllingTty = 0x100;
    private const int Append = 0x400;
    private const int NonBlocking = 0x800;
    private const int CloseOnExec = 0x80000;

    private const int CurrentDirectory = -100;
    private const int EmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const uint StatxMode = 0x2;
    private const uint StatxSize = 0x200;

    private const int GetFlags = 3;
    private const int SetFlags = 4;

    private const int NoSuchDeviceOrAddress = 6;

    private const int TypeMask = 0xF000;
    private const int RegularFile = 0x8000;
    private const int Directory = 0x4000;
    private const int Fifo = 0x1000;
    private const int CharacterDevice = 0x2000;
    private const int BlockDevice = 0x6000;
    private const int Socket = 0xC000;

    /// <summary>
    /// Reads a regular file of at most <paramref name="maxBytes"/> bytes, following symbolic links (Kubernetes
    /// mounts ConfigMaps and Secrets as links). <paramref name="permissions"/> are its mode bits (0644...).
    /// </summary>
    /// <exception cref="FileProblemException">Missing, unreadable, not a regular file, or larger than the cap.</exception>
    public static byte[] ReadRegular(string path, int maxBytes, out UnixFileMode permissions)
    {
        // Look before opening: opening a device can have effects of its own (a tape rewinds, a terminal attaches).
        var before = Stat(path);
        RequireRegular(before.Mode);

        var fd = Open(path, ReadOnly | NonBlocking | CloseOnExec | NoControllingTty, 0);
        if (fd < 0)
        {
            throw Problem(Marshal.GetLastPInvokeError());
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        var status = Stat(fd);
        RequireRegular(status.Mode);
        permissions = (UnixFileMode)(status.Mode & 0xFFF);
        if (status.Size > (ulong)maxBytes)
        {
            throw TooLarge(maxBytes, (long)status.Size);
        }

        var data = new byte[(int)Math.Min((long)maxBytes + 1, Math.Max((long)status.Size + 1, 4096))];
        var total = 0;
        while (true)
        {
            if (total == data.Length)
            {
                if (data.Length > maxBytes)
                {
                    throw TooLarge(maxBytes, total);
                }

                Array.Resize(ref data, (int)Math.Min((long)data.Length * 2, (long)maxBytes + 1));
            }

            var read = RandomAccess.Read(handle, data.AsSpan(total), total);
            if (read == 0)
            {
                return data.AsSpan(0, total).ToArray();
            }

            total += read;
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> for appending (created with mode 0644, less the umask, when
    /// <paramref name="create"/>) without blocking on a FIFO that has no reader; writes then block as usual.
    /// <c>O_APPEND</c> keeps lines at the end of the file even after a <c>copytruncate</c> rotation.
    /// </summary>
    /// <exception cref="FileProblemException">The file (or its directory) cannot be opened for writing.</exception>
    public static FileStream OpenForAppend(string path, bool create = true)
    {
        var fd = Open(path, WriteOnly | Append | NonBlocking | CloseOnExec | NoControllingTty | (create ? Create : 0), 0b110_100_100);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno == NoSuchDeviceOrAddress && Exists(path) && (Stat(path).Mode & TypeMask) == Fifo
                ? new FileProblemException("is a FIFO with no reader")
                : Problem(errno);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var flags = Fcntl(fd, GetFlags, 0);
        if (flags < 0 || Fcntl(fd, SetFlags, flags & ~NonBlocking) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw Problem(errno);
        }

        try
        {
            return new FileStream(handle, FileAccess.Write, bufferSize: 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Null when <paramref name="path"/> can be opened for appending now, or could be created (its directory
    /// exists); else the reason. Creates nothing and writes nothing (<c>check</c>).
    /// </summary>
    public static string? AppendProblem(string path)
    {
        try
        {
            OpenForAppend(path, create: false).Dispose();
            return null;
        }
        catch (FileProblemException) when (!Exists(path))
        {
            var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            try
            {
                return directory is not null && (Stat(directory).Mode & TypeMask) == Directory ? null : "not a directory";
            }
            catch (FileProblemException e)
            {
                return e.Message;
            }
        }
        catch (FileProblemException e)
        {
            return e.Message;
        }
    }

    /// <summary>The reason for an errno, in words: <c>no such file or directory</c>, <c>permission denied</c>.</summary>
    public static string Reason(int errno)
    {
        var text = Marshal.GetPInvokeErrorMessage(errno);
        return text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : $"error {errno}";
    }

    /// <summary><c>4 MiB</c>, <c>64 KiB</c>, <c>100 bytes</c>.</summary>
    public static string FormatSize(long bytes) => bytes switch
    {
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB"),
        >= 1024 when bytes % 1024 == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };

    private static bool Exists(string path)
    {
        try
        {
            Stat(path);
            return true;
        }
        catch (FileProblemException)
        {
            return false;
        }
    }

    private static void RequireRegular(int mode)
    {
        var what = (mode & TypeMask) switch
        {
            RegularFile => null,
            Directory => "is a directory",
            Fifo => "is a FIFO (named pipe), not a regular file",
            CharacterDevice => "is a character device, not a regular file",
            BlockDevice => "is a block device, not a regular file",
            Socket => "is a socket, not a regular file",
            _ => "is not a regular file",
        };
        if (what is not null)
        {
            throw new FileProblemException(what);
        }
    }

    private static FileProblemException TooLarge(int maxBytes, long size) =>
        new($"is larger than {FormatSize(maxBytes)} ({size.ToString("N0", CultureInfo.InvariantCulture)} bytes or more)");

    private static FileProblemException Problem(int errno) => new(Reason(errno));

    private static StatxBuffer Stat(string path)
    {
        if (Statx(CurrentDirectory, path, 0, StatxType | StatxMode | StatxSize, out var buffer) != 0)
        {
            throw Problem(Marshal.GetLastPInvokeError());
        }

        return buffer;
    }

    private static StatxBuffer Stat(int fd)
    {
        if (Statx(fd, "", EmptyPath, StatxType | StatxMode | StatxSize, out var buffer) != 0)
        {
            throw Problem(Marshal.GetLastPInvokeError());
        }

        return buffer;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int directory, string path, int flags, uint mask, out StatxBuffer buffer);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    /// <summary><c>struct statx</c> (256 bytes, the same layout on every architecture); only the fields read here.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
#pragma warning disable CS0649, IDE0044 // Written by statx.
        [FieldOffset(28)]
        private ushort _mode;

        [FieldOffset(40)]
        private ulong _size;
#pragma warning restore CS0649, IDE0044

        public readonly int Mode => _mode;

        public readonly ulong Size => _size;
    }
}
