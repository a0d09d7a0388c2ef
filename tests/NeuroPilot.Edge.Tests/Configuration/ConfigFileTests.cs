using System.Text;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Tests.Configuration;

/// <summary>Reading the config file: regular files only, at most 4 MiB, never blocking.</summary>
public sealed class ConfigFileTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("neuropilot-edge-configfile-");

    [Fact]
    public void Read_Utf8WithByteOrderMark_ReadsTheTextWithoutIt()
    {
        var path = Path.Combine(_directory.FullName, "edge.json");
        File.WriteAllText(path, "{ \"Services\": {} }", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        Assert.Equal("{ \"Services\": {} }", ConfigFile.Read(path));
    }

    [Fact]
    public async Task Read_Fifo_IsRefusedAtOnceInsteadOfWaitingForAWriter()
    {
        var path = Path.Combine(_directory.FullName, "edge.json");
        var made = await ChildProcess.RunToExitAsync("mkfifo", [path], TimeSpan.FromSeconds(5));
        Assert.Equal(0, made.ExitCode);

        var error = await Task.Run(() => Assert.ThrowsAny<IOException>(() => ConfigFile.Read(path))).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal("is a FIFO (named pipe), not a regular file", error.Message);
    }

    [Fact]
    public void Read_CharacterDevice_IsRefused()
    {
        var error = Assert.ThrowsAny<IOException>(() => ConfigFile.Read("/dev/zero"));

        Assert.Equal("is a character device, not a regular file", error.Message);
    }

    [Fact]
    public void Read_FileOverTheCap_IsRefusedNamingTheCap()
    {
        var path = Path.Combine(_directory.FullName, "edge.json");
        File.WriteAllBytes(path, new byte[ConfigFile.MaxBytes + 1]);

        var error = Assert.ThrowsAny<IOException>(() => ConfigFile.Read(path));

        Assert.StartsWith("is larger than 4 MiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SymlinkToAFile_FollowsIt()
    {
        var target = Path.Combine(_directory.FullName, "target.json");
        File.WriteAllText(target, "{}");
        var link = Path.Combine(_directory.FullName, "edge.json");
        File.CreateSymbolicLink(link, target);

        Assert.Equal("{}", ConfigFile.Read(link));
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
