namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>How renewal tools replace files: a rename over the old name, for files and for symlinks alike.</summary>
public static class FileSwap
{
    /// <summary>
    /// Writes <paramref name="content"/> to a temp file beside <paramref name="path"/> and renames it over it (certbot,
    /// editors with safe-write): a reader sees the old file or the new one, never half of one.
    /// </summary>
    public static void WriteAtomically(string path, byte[] content)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temp, content);
        Internal.Libc.Rename(temp, path);
    }

    /// <summary>Makes <paramref name="link"/> point at <paramref name="target"/> by renaming a new symlink over it (the kubelet's <c>..data</c> swap).</summary>
    public static void Relink(string link, string target)
    {
        var temp = $"{link}_tmp";
        File.CreateSymbolicLink(temp, target);
        Internal.Libc.Rename(temp, link);
    }
}
