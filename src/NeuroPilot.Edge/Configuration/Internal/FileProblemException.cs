namespace NeuroPilot.Edge.Configuration.Internal;

/// <summary>
/// A file named by the config or the environment cannot be used. <see cref="Exception.Message"/> is the reason
/// alone, in words (<c>no such file or directory</c>, <c>is a FIFO (named pipe), not a regular file</c>), never a
/// resource key: callers put the key or variable and the file name in front of it.
/// </summary>
internal sealed class FileProblemException(string reason) : IOException(reason);
