namespace NeuroPilot.Edge.Tls.Internal;

/// <summary>
/// A watched file cannot be used: <see cref="Path"/> is the file at fault (for a key that does not match its
/// certificate, the key file), <see cref="Exception.Message"/> the reason in words, never a resource key and never
/// the file's content.
/// </summary>
internal sealed class FileRejectedException(string path, string reason) : Exception(reason)
{
    public string Path { get; } = path;
}
