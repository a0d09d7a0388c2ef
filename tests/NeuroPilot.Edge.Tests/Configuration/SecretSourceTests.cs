using System.Runtime.Versioning;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Tests.Configuration;

/// <summary>Secret files: read once, never waited on, a loose mode warned about (never refused), the secret never in a message.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class SecretSourceTests : IDisposable
{
    private const string Secret = "s3cret-value-9a7b";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("neuropilot-edge-secret-");
    private readonly string _variable = $"NEUROPILOT_EDGE_TEST_SECRET_{Guid.NewGuid():N}";

    [Fact]
    public void Read_FileReadableByOthers_IsUsedWithOneWarningThatNamesTheFileAndModeButNotTheSecret()
    {
        var file = WriteSecret(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var warnings = new List<string>();

        var secret = SecretSource.Read(_variable, "unused", warnings.Add);

        Assert.Equal(Secret, secret);
        var warning = Assert.Single(warnings);
        Assert.Contains($"{_variable}_FILE \"{file}\"", warning, StringComparison.Ordinal);
        Assert.Contains("mode 0644", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FileOnlyItsOwnerReads_IsUsedWithoutAWarning()
    {
        WriteSecret(UnixFileMode.UserRead);
        var warnings = new List<string>();

        Assert.Equal(Secret, SecretSource.Read(_variable, "unused", warnings.Add));
        Assert.Empty(warnings);
    }

    [Fact]
    public void Read_FileLargerThan64KiB_IsRefusedNamingTheVariable()
    {
        var file = Path.Combine(_directory.FullName, "secret");
        File.WriteAllText(file, new string('x', SecretSource.MaxFileBytes + 1));
        Environment.SetEnvironmentVariable(_variable + "_FILE", file);

        var error = Assert.Throws<SecretFileException>(() => SecretSource.Read(_variable, "unused"));

        Assert.Equal(_variable + "_FILE", error.Variable);
        Assert.StartsWith("is larger than 64 KiB", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CharacterDevice_IsRefusedInsteadOfReadForever()
    {
        Environment.SetEnvironmentVariable(_variable + "_FILE", "/dev/zero");

        var error = Assert.Throws<SecretFileException>(() => SecretSource.Read(_variable, "unused"));

        Assert.Equal($"cannot read {_variable}_FILE \"/dev/zero\": is a character device, not a regular file", error.Message);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_variable + "_FILE", null);
        _directory.Delete(recursive: true);
    }

    private string WriteSecret(UnixFileMode mode)
    {
        var file = Path.Combine(_directory.FullName, "secret");
        File.WriteAllText(file, Secret + "\n");
        File.SetUnixFileMode(file, mode);
        Environment.SetEnvironmentVariable(_variable + "_FILE", file);
        return file;
    }
}
