using NeuroPilot.Edge.Admin;

namespace NeuroPilot.Edge.Tests.Admin;

/// <summary>Where the admin token comes from: the variable, a file it names, or the systemd credential.</summary>
[Collection(nameof(EnvironmentVariables))]
public sealed class AdminTokenSourceTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("neuropilot-edge-token-");

    [Fact]
    public void FromEnvironment_TokenFileVariable_ReadsTheFileWithoutItsNewline()
    {
        var file = Path.Combine(_directory.FullName, "token");
        File.WriteAllText(file, "s3cret\n");
        using var scope = new EnvironmentScope(
            (AdminToken.EnvironmentVariable, null), (AdminToken.FileVariable, file), ("CREDENTIALS_DIRECTORY", null));

        var token = AdminToken.FromEnvironment();

        Assert.Equal(AdminToken.Result.Allowed, token.Check("Bearer s3cret"));
    }

    [Fact]
    public void FromEnvironment_SystemdCredential_IsUsedWhenNoVariableIsSet()
    {
        File.WriteAllText(Path.Combine(_directory.FullName, AdminToken.CredentialName), "from-systemd");
        using var scope = new EnvironmentScope(
            (AdminToken.EnvironmentVariable, null), (AdminToken.FileVariable, null), ("CREDENTIALS_DIRECTORY", _directory.FullName));

        var token = AdminToken.FromEnvironment();

        Assert.Equal(AdminToken.Result.Allowed, token.Check("Bearer from-systemd"));
        Assert.Equal(AdminToken.Result.Denied, token.Check("Bearer other"));
    }

    [Fact]
    public void FromEnvironment_VariableWins_AndNothingSetDisablesWrites()
    {
        using (new EnvironmentScope((AdminToken.EnvironmentVariable, "direct"), (AdminToken.FileVariable, null), ("CREDENTIALS_DIRECTORY", null)))
        {
            Assert.Equal(AdminToken.Result.Allowed, AdminToken.FromEnvironment().Check("Bearer direct"));
        }

        using (new EnvironmentScope((AdminToken.EnvironmentVariable, null), (AdminToken.FileVariable, null), ("CREDENTIALS_DIRECTORY", _directory.FullName)))
        {
            Assert.Equal(AdminToken.Result.Disabled, AdminToken.FromEnvironment().Check("Bearer anything"));
        }
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private sealed class EnvironmentScope : IDisposable
    {
        private readonly (string Name, string? Value)[] _saved;

        public EnvironmentScope(params (string Name, string? Value)[] values)
        {
            _saved = [.. values.Select(v => (v.Name, Environment.GetEnvironmentVariable(v.Name)))];
            foreach (var (name, value) in values)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        public void Dispose()
        {
            foreach (var (name, value) in _saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}

/// <summary>Tests that change process environment variables never run at the same time.</summary>
[CollectionDefinition(nameof(EnvironmentVariables), DisableParallelization = true)]
public sealed class EnvironmentVariables;
