using System.Net;

namespace NeuroPilot.Edge.Limits;

/// <summary>
/// A token bucket per client address in fixed memory, as GCRA (the generic cell rate algorithm, which is a token
/// bucket kept as one number: the time at which the client's bucket would be full again). One <c>long</c> per slot,
/// updated by compare-and-swap: no lock, no allocation, no table that grows with the number of clients. Clients are
/// hashed (with the process's random string hash, so an attacker cannot aim at a slot) into
/// <see cref="Slots"/> slots; two clients that share a slot share its rate, which only ever limits sooner. IPv6
/// clients count per /64, the smallest network one subscriber usually holds.
/// </summary>
public sealed class ClientRateLimiter
{
    /// <summary>65,536 slots: 512 KiB per service, fixed.</summary>
    public const int Slots = 1 << 16;

    private readonly long[] _fullAt = new long[Slots];
    private readonly TimeProvider _time;
    private readonly long _interval;
    private readonly long _tolerance;

    public ClientRateLimiter(int perClient, TimeSpan per, int burst, TimeProvider time)
    {
        _time = time;
        PerClient = perClient;
        Per = per;
        Burst = burst;

        // One request costs `interval` of the bucket; the bucket holds `burst` requests.
        _interval = Math.Max(1, (long)(per.TotalSeconds * time.TimestampFrequency / perClient));
        _tolerance = _interval * (burst - 1);
    }

    public int PerClient { get; }

    public TimeSpan Per { get; }

    public int Burst { get; }

    /// <summary>Takes one request from the client's bucket; false (and when it may try again) when it is empty.</summary>
    public bool TryAcquire(string? client, out TimeSpan retryAfter)
    {
        ref var slot = ref _fullAt[Slot(client)];
        var now = _time.GetTimestamp();
        while (true)
        {
            var fullAt = Volatile.Read(ref slot);
            var from = Math.Max(fullAt, now);
            if (from - now > _tolerance)
            {
                retryAfter = TimeSpan.FromSeconds((double)(from - now - _tolerance) / _time.TimestampFrequency);
                return false;
            }

            if (Interlocked.CompareExchange(ref slot, from + _interval, fullAt) == fullAt)
            {
                retryAfter = TimeSpan.Zero;
                return true;
            }
        }
    }

    private static int Slot(string? client)
    {
        if (client is null)
        {
            return 0;
        }

        var key = client.AsSpan();
        if (key.Contains(':') && IPAddress.TryParse(key, out var address))
        {
            // IPv6: the /64 network.
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out _);
            return (int)((uint)HashCode.Combine(BitConverter.ToUInt64(bytes)) % Slots);
        }

        return (int)((uint)string.GetHashCode(key) % Slots);
    }
}
