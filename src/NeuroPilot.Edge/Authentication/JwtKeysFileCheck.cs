using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Authentication;

/// <summary>
/// The feature check (<see cref="ConfigCheck"/>) of every service's <c>Jwt.KeysFile</c>: readable, a JWKS, and at
/// least one key usable with the section's <c>Algorithms</c>, so that <c>check</c>, start-up and a reload refuse keys
/// the edge could not verify a token with. Reading the JWKS takes this folder's parser, which Configuration cannot use.
/// </summary>
public static class JwtKeysFileCheck
{
    public static void Check(EdgeConfig config, ICollection<ConfigError> errors)
    {
        foreach (var service in config.Services)
        {
            if (service.Jwt is not { KeysFile.Length: > 0 } jwt)
            {
                continue;
            }

            // Algorithms the reader refused are not in the list: checking keys against the rest would only add noise.
            var section = $"Services.{service.Name}.Jwt";
            if (!errors.Any(e => e.Path.StartsWith(section + ".Algorithms", StringComparison.Ordinal)))
            {
                CheckKeysFile(jwt, $"{section}.KeysFile", errors);
            }
        }
    }

    private static void CheckKeysFile(JwtOptions jwt, string path, ICollection<ConfigError> errors)
    {
        JsonWebKeySet keys;
        try
        {
            keys = JsonWebKeySet.Load(jwt.KeysFile);
        }
        catch (JsonWebKeySetException e)
        {
            errors.Add(new ConfigError(path, $"\"{jwt.KeysFile}\" {e.Message}"));
            return;
        }

        if (keys.CountUsable(jwt.Algorithms) == 0)
        {
            var found = keys.Keys.Count == 0 ? "no usable key" : $"only {keys}";
            var skipped = keys.Skipped.Count == 0 ? "" : $"; skipped: {string.Join("; ", keys.Skipped)}";
            errors.Add(new ConfigError(path, $"\"{jwt.KeysFile}\" has no usable key for Algorithms {string.Join(", ", jwt.Algorithms)} ({found}{skipped})"));
        }
    }
}
