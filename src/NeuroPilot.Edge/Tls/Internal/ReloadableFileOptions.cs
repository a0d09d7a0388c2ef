using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Tls.Internal;

/// <summary>How a <see cref="ReloadableFile{T}"/> notices changes.</summary>
internal sealed class ReloadableFileOptions
{
    /// <summary>The files are read again this often even without a file event (identity and content compared).</summary>
    public TimeSpan RecheckInterval { get; init; } = TlsDefaults.RecheckInterval;

    /// <summary>
    /// Quiet time after a file event before reading (writers touch a file several times), and the time a broken
    /// content must stay before it is reported (a certificate written before its key is not a broken renewal).
    /// </summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Watch the files' folders for events (off in unit tests, which drive the clock instead).</summary>
    public bool WatchFolders { get; init; } = true;

    /// <summary>A watched file larger than this is refused (a CA bundle is a few hundred KiB).</summary>
    public int MaxFileBytes { get; init; } = 1024 * 1024;
}
