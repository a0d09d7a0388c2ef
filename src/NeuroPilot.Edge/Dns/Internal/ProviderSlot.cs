using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns.Internal;

/// <summary>
/// The DNS provider of the running config: kept across rounds and reloads (its budget and Retry-After state with it)
/// while its settings (<see cref="DnsProviderFactory.SettingsKey"/>) stay the same, replaced when they change,
/// disposed when DNS is switched off. A provider that throws on dispose is reported, never rethrown. Not thread-safe:
/// the reconciler's loop owns it (and its dispose, once the loop is over).
/// </summary>
internal sealed class ProviderSlot(Func<DnsOptions, IDnsProvider> create, Action<Exception> disposeFailed)
{
    private IDnsProvider? _provider;
    private string? _key;

    /// <summary>The provider for <paramref name="options"/>, made when there is none or its settings changed.</summary>
    /// <exception cref="DnsProviderException">The provider cannot be made (a missing secret).</exception>
    public IDnsProvider For(DnsOptions options)
    {
        var key = DnsProviderFactory.SettingsKey(options);
        if (_provider is null || key != _key)
        {
            Clear();
            _provider = create(options);
            _key = key;
        }

        return _provider;
    }

    /// <summary>Disposes the provider, if any.</summary>
    public void Clear()
    {
        try
        {
            _provider?.Dispose();
        }
        catch (Exception e)
        {
            disposeFailed(e);
        }

        _provider = null;
        _key = null;
    }
}
