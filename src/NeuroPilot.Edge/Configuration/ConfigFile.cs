using System.Text;
using NeuroPilot.Edge.Configuration.Internal;

namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// Reads the config file for <c>check</c>, <c>run</c> and every reload: a regular file (a FIFO, a device or a
/// directory at the path is refused at once instead of blocking or reading forever) of at most
/// <see cref="MaxBytes"/> bytes. Text encoding as <see cref="File.ReadAllText(string)"/>: UTF-8, or the encoding a
/// byte order mark names.
/// </summary>
public static class ConfigFile
{
    /// <summary>4 MiB: a config with thousands of destinations is well under 1 MiB.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <exception cref="IOException">The file cannot be read; the message is the reason in words (<c>is a FIFO (named pipe), not a regular file</c>).</exception>
    public static string Read(string path)
    {
        var bytes = UnixFile.ReadRegular(path, MaxBytes, out _);
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }
}
