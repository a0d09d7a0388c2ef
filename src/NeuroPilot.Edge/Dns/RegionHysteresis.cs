namespace NeuroPilot.Edge.Dns;

/// <summary>
/// Hold-down for DNS: per region, the health that DNS publishes. It follows the region's live state only after that
/// state has held without interruption for <c>DownHoldTime</c> (to leave DNS) or <c>UpHoldTime</c> (to return), so a
/// region that flaps never makes DNS flap. The first observation of a region is published as is.
/// Not thread-safe: the reconciler's loop owns it.
/// </summary>
public sealed class RegionHysteresis
{
    private readonly Dictionary<(string Service, string Region), Hold> _holds = [];

    /// <summary>Records the live state of a region at <paramref name="now"/> and returns the state DNS publishes.</summary>
    public bool Observe(string service, string region, bool usable, DateTimeOffset now, TimeSpan downHold, TimeSpan upHold)
    {
        if (!_holds.TryGetValue((service, region), out var hold))
        {
            hold = new Hold { Published = usable, Live = usable, Since = now };
            _holds[(service, region)] = hold;
            return usable;
        }

        if (hold.Live != usable)
        {
            hold.Live = usable;
            hold.Since = now;
        }

        if (hold.Published != hold.Live && now - hold.Since >= (hold.Live ? upHold : downHold))
        {
            hold.Published = hold.Live;
        }

        return hold.Published;
    }

    /// <summary>
    /// Treats a region as not published as of <paramref name="now"/>: once up, it must stay up for the whole up hold
    /// time before DNS takes it. Used at start-up for regions the provider does not publish now, so that a restart
    /// in the middle of a hold does not cut it short.
    /// </summary>
    public void HoldBack(string service, string region, DateTimeOffset now)
    {
        if (!_holds.TryGetValue((service, region), out var hold))
        {
            _holds[(service, region)] = new Hold { Published = false, Live = false, Since = now };
            return;
        }

        if (hold.Published)
        {
            hold.Published = false;
            hold.Since = hold.Live ? now : hold.Since;
        }
    }

    /// <summary>When the next held change falls due (a region whose live state differs from the published one), or null.</summary>
    public DateTimeOffset? NextChange(TimeSpan downHold, TimeSpan upHold)
    {
        DateTimeOffset? next = null;
        foreach (var hold in _holds.Values)
        {
            if (hold.Published != hold.Live)
            {
                var due = hold.Since + (hold.Live ? upHold : downHold);
                if (next is null || due < next)
                {
                    next = due;
                }
            }
        }

        return next;
    }

    /// <summary>The held state of a region for status: live, published, and since when live has been as it is.</summary>
    public (bool Live, bool Published, DateTimeOffset Since)? Describe(string service, string region) =>
        _holds.TryGetValue((service, region), out var hold) ? (hold.Live, hold.Published, hold.Since) : null;

    /// <summary>Forgets regions no longer configured.</summary>
    public void Retain(IReadOnlySet<(string Service, string Region)> configured)
    {
        foreach (var key in _holds.Keys.Where(k => !configured.Contains(k)).ToList())
        {
            _holds.Remove(key);
        }
    }

    private sealed class Hold
    {
        public bool Published;
        public bool Live;
        public DateTimeOffset Since;
    }
}
