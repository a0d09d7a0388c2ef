namespace NeuroPilot.Edge.Tls.Internal;

/// <summary>One file as <see cref="ReloadableFile{T}"/> read it: the path named in the config and its bytes.</summary>
internal readonly record struct FileContent(string Path, byte[] Bytes);
