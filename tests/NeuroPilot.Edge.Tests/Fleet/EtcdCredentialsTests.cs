using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Fleet;

namespace NeuroPilot.Edge.Tests.Fleet;

/// <summary>The etcd password and CA bundle are read at start-up; problems are named by key, the password never shown.</summary>
public sealed class EtcdCredentialsTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("neuropilot-edge-etcd-credentials-");

    private static EtcdOptions Options(string? passwordFile = null, string? passwordEnv = null, string? caFile = null) => new()
    {
        Endpoints = [new Uri("https://127.0.0.1:2379")],
        Username = passwordFile is null && passwordEnv is null ? null : "edge",
        PasswordFile = passwordFile,
        PasswordEnv = passwordEnv,
        CaFile = caFile,
    };

    [Fact]
    public void Read_PasswordFile_ReadsItTrimmed()
    {
        var file = Path.Combine(_directory.FullName, "etcd-password");
        File.WriteAllText(file, "s3cret\n");
        var errors = new List<ConfigError>();

        var credentials = EtcdCredentials.Read(Options(passwordFile: file), errors);

        Assert.Empty(errors);
        Assert.Equal("s3cret", credentials.Password);
    }

    [Fact]
    public void Read_MissingPasswordFile_NamesTheKeyAndTheFile()
    {
        var file = Path.Combine(_directory.FullName, "absent");
        var errors = new List<ConfigError>();

        EtcdCredentials.Read(Options(passwordFile: file), errors);

        var error = Assert.Single(errors);
        Assert.Equal("Fleet.Etcd.PasswordFile", error.Path);
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_PasswordEnvSet_ReadsTheVariable()
    {
        var variable = $"NEUROPILOT_EDGE_TEST_ETCD_PW_{Environment.ProcessId}_A";
        Environment.SetEnvironmentVariable(variable, "from-env");
        try
        {
            var errors = new List<ConfigError>();
            Assert.Equal("from-env", EtcdCredentials.Read(Options(passwordEnv: variable), errors).Password);
            Assert.Empty(errors);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void Read_PasswordEnvUnset_NamesTheKeyAndTheVariable()
    {
        var variable = $"NEUROPILOT_EDGE_TEST_ETCD_PW_{Environment.ProcessId}_B";
        var errors = new List<ConfigError>();

        EtcdCredentials.Read(Options(passwordEnv: variable), errors);

        var error = Assert.Single(errors);
        Assert.Equal("Fleet.Etcd.PasswordEnv", error.Path);
        Assert.Contains($"{variable} is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CaFileWithoutCertificates_NamesTheKey()
    {
        var file = Path.Combine(_directory.FullName, "ca.pem");
        File.WriteAllText(file, "not a certificate\n");
        var errors = new List<ConfigError>();

        EtcdCredentials.Read(Options(caFile: file), errors);

        Assert.Equal("Fleet.Etcd.CaFile", Assert.Single(errors).Path);
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
