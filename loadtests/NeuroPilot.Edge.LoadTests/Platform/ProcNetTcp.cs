using System.Globalization;
using System.Net;

namespace NeuroPilot.Edge.LoadTests.Platform;

/// <summary>
/// Reads the kernel's TCP socket tables, <c>/proc/net/tcp</c> and <c>/proc/net/tcp6</c> (of this process's network
/// namespace). A row reads
/// <c>0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000  0 12345 1 ...</c>:
/// slot, local address:port, remote address:port, state, queues, timers, retransmits, uid, timeout, inode.
/// Addresses are hexadecimal 32-bit words in the kernel's (little-endian) byte order; ports are plain hexadecimal.
/// </summary>
internal static class ProcNetTcp
{
    private static readonly string[] s_tables = ["/proc/net/tcp", "/proc/net/tcp6"];

    /// <summary>Every socket in both tables; empty for a table that cannot be read (not Linux).</summary>
    public static List<TcpSocketEntry> ReadAll()
    {
        var entries = new List<TcpSocketEntry>();
        foreach (var table in s_tables)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(table);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var line in lines)
            {
                if (ParseLine(line) is { } entry)
                {
                    entries.Add(entry);
                }
            }
        }

        return entries;
    }

    /// <summary>One row of either table; null for the header line and for anything that is not a well-formed row.</summary>
    public static TcpSocketEntry? ParseLine(string line)
    {
        var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 10 || !fields[0].EndsWith(':') ||
            ParseEndPoint(fields[1]) is not var (address, port) ||
            !int.TryParse(fields[3], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var state) ||
            !long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
        {
            return null;
        }

        return new TcpSocketEntry(address, port, state, inode);
    }

    /// <summary><c>0100007F:1F90</c> is 127.0.0.1:8080; <c>00000000000000000000000001000000:0050</c> is [::1]:80.</summary>
    private static (IPAddress Address, int Port)? ParseEndPoint(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon is not (8 or 32) || text.Length - colon - 1 is < 1 or > 4 ||
            !int.TryParse(text.AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var port))
        {
            return null;
        }

        var bytes = new byte[colon / 2];
        for (var word = 0; word < colon / 8; word++)
        {
            if (!uint.TryParse(text.AsSpan(word * 8, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }

            // Each 32-bit word was printed from memory in the kernel's byte order (little-endian on x86 and arm64).
            if (!BitConverter.IsLittleEndian)
            {
                value = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(value);
            }

            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(word * 4), value);
        }

        return (new IPAddress(bytes), port);
    }
}
