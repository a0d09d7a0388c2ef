namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// A check of a read config that needs a feature's own code (the JWKS parser, the DNS ownership marker's naming),
/// which Configuration, the lowest layer, cannot call. The composition root hands the features' checks to
/// <see cref="ConfigLoader.Load(string, ConfigCheck)"/>, so <c>check</c>, start-up and every reload run them all.
/// A check adds a <see cref="ConfigError"/> (path and bad value) for each problem and never throws.
/// </summary>
public delegate void ConfigCheck(EdgeConfig config, ICollection<ConfigError> errors);
