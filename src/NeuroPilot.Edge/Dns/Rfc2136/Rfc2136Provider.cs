using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns.Internal;
using NeuroPilot.Edge.Dns.Rfc2136.Internal;

namespace NeuroPilot.Edge.Dns.Rfc2136;

/// <summary>
/// Pushes record sets to a primary DNS server with RFC 2136 dynamic updates signed with TSIG (RFC 8945), and reads
/// them back from that server's authoritative data.
/// <list type="bullet">
/// <item>An apply is one UPDATE message over TCP: atomic on the server, and conditional through prerequisites on
/// exactly the record sets the plan was made against, so a set changed by anyone since the read fails the whole
/// message with <see cref="DnsProviderError.StateChanged"/> and the server keeps that state.</item>
/// <item>The answer must carry a valid TSIG of our key over our request's MAC; SERVFAIL, timeouts and connection
/// failures are retried (3 attempts in all, capped jittered backoff). A retry is safe: its prerequisites fail if an
/// earlier attempt whose answer was lost did apply, and then the served data tells whether it did.</item>
/// <item>After a success it polls the server until every change is served and reports how long that took.</item>
/// <item>Whatever the server sends back (a malformed message, a compression pointer loop, a wrong id, a huge TCP
/// length prefix), a call ends in <see cref="DnsProviderException"/>: a message that cannot be read is
/// <see cref="DnsProviderError.Unavailable"/> (code <c>MALFORMED</c>), and so is any exception a library should not
/// have thrown. Reads are bounded by the protocol: one UDP datagram in DnsClient's fixed buffer, a TCP message of at
/// most 65,535 bytes (its 2-byte length prefix).</item>
/// </list>
/// </summary>
public sealed partial class Rfc2136Provider : IDnsProvider
{
    /// <summary>TSIG algorithms the provider signs with (<see cref="Rfc2136Options.TsigAlgorithm"/>).</summary>
    public static readonly IReadOnlyList<string> SupportedTsigAlgorithms = TsigSigner.SupportedAlgorithms;

    internal const int MaxAttempts = 3;
    internal static readonly TimeSpan BackoffBase = TimeSpan.FromMilliseconds(100);
    internal static readonly TimeSpan BackoffCap = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan ServedCheckFirstInterval = TimeSpan.FromMilliseconds(20);
    internal static readonly TimeSpan ServedCheckMaxInterval = TimeSpan.FromMilliseconds(200);
    internal static readonly TimeSpan DefaultServedCheckBound = TimeSpan.FromSeconds(5);

    private const int ReadParallelism = 8;

    private static readonly DnsRecordType[] ReadTypes = [DnsRecordType.A, DnsRecordType.AAAA, DnsRecordType.CNAME, DnsRecordType.TXT];

    private readonly Rfc2136Options _options;
    private readonly string _zone;
    private readonly TsigSigner _signer;
    private readonly TimeProvider _time;
    private readonly ILogger<Rfc2136Provider> _logger;
    private readonly LookupClient _lookup;
    private int _requestsSent;

    /// <param name="options">Server, zone, key name and algorithm.</param>
    /// <param name="tsigSecret">The TSIG key's secret (decoded from base64); copied, never logged.</param>
    /// <param name="time">Clock of TSIG's time signed, timeouts and backoff.</param>
    /// <param name="logger">One line per push, retry and failure.</param>
    /// <exception cref="ArgumentException">The algorithm is not supported or the secret is empty.</exception>
    public Rfc2136Provider(Rfc2136Options options, byte[] tsigSecret, TimeProvider time, ILogger<Rfc2136Provider> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tsigSecret);
        _options = options;
        _zone = DnsNames.Normalize(options.Zone);
        _signer = new TsigSigner(options.TsigKeyName, options.TsigAlgorithm, tsigSecret);
        _time = time;
        _logger = logger;
        _lookup = new LookupClient(new LookupClientOptions(new NameServer(options.Server.Address, options.Server.Port))
        {
            UseCache = false,
            UseTcpFallback = true,
            Timeout = options.Timeout,
            Retries = 1,
            Recursion = false,
            ThrowDnsErrors = false,
            ContinueOnDnsError = false,
            ContinueOnEmptyResponse = false,
            UseRandomNameServer = false,
        });
    }

    public string Name { get; } = DnsProviderKind.Rfc2136.ToWireName();

    /// <summary>DNS messages sent: UPDATEs (retries included) and queries (reads and served checks).</summary>
    public int RequestsSent => Volatile.Read(ref _requestsSent);

    /// <summary>How long an apply waits for its changes to be served before it reports <c>ServedAfter</c> null.</summary>
    internal TimeSpan ServedCheckBound { get; init; } = DefaultServedCheckBound;

    /// <summary>The server stores the TTL it is given.</summary>
    public int EffectiveTtl(DnsRecordType type, int ttl) => ttl;

    public async Task<IReadOnlyList<DnsRecordSet>> ReadAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        var queries = names.Select(DnsNames.Normalize).Distinct(StringComparer.Ordinal)
            .SelectMany(name => ReadTypes.Select(type => (Name: name, Type: type)))
            .ToArray();
        var sets = new DnsRecordSet?[queries.Length];
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, queries.Length),
                new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = cancellationToken },
                async (i, token) => sets[i] = await QuerySetAsync(queries[i].Name, queries[i].Type, token));
        }
        catch (Exception e) when (IsUnexpected(e, cancellationToken))
        {
            throw Unavailable($"read at {_options.Server} failed: {e.GetType().Name}: {ProviderText.Clip(e.Message)}", null, e);
        }

        return [.. sets.OfType<DnsRecordSet>()];
    }

    public async Task<DnsApplyResult> ApplyAsync(IReadOnlyList<DnsChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return new DnsApplyResult(0, null);
        }

        try
        {
            return await ApplyOnceBuiltAsync(BuildMessage(changes), changes, cancellationToken);
        }
        catch (Exception e) when (IsUnexpected(e, cancellationToken))
        {
            throw Unavailable($"update at {_options.Server} failed: {e.GetType().Name}: {ProviderText.Clip(e.Message)}", null, e);
        }
    }

    public void Dispose() => _signer.Dispose();

    private static bool IsUnexpected(Exception e, CancellationToken cancellationToken) =>
        e is not DnsProviderException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested);

    /// <summary>Sends the UPDATE with its retries and waits until it is served (see the class summary).</summary>
    private async Task<DnsApplyResult> ApplyOnceBuiltAsync(byte[] message, IReadOnlyList<DnsChange> changes, CancellationToken cancellationToken)
    {
        var requests = 0;
        var outcomeUnknown = false;
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (failure, sentAt, lostAnswer) = await SendUpdateAsync(message, cancellationToken);
            var answeredAfter = _time.GetElapsedTime(sentAt);
            requests++;
            if (failure is null)
            {
                var (queries, servedAfter, pending) = await WaitUntilServedAsync(changes, sentAt, cancellationToken);
                requests += queries;
                if (servedAfter is { } served)
                {
                    LogApplied(changes.Count, _zone, requests, answeredAfter.TotalMilliseconds, served.TotalMilliseconds);
                }
                else
                {
                    LogNotServed(changes.Count, _zone, requests, answeredAfter.TotalMilliseconds, pending.Count, (int)ServedCheckBound.TotalMilliseconds, string.Join("; ", pending));
                }

                return new DnsApplyResult(requests, servedAfter);
            }

            outcomeUnknown |= lostAnswer;
            if (failure.Kind == DnsProviderError.StateChanged && outcomeUnknown)
            {
                // An earlier attempt may have applied before its answer was lost: then the server already serves the
                // plan, and the prerequisites of this one fail for that very reason.
                var (queries, allServed, _) = await CheckServedAsync([.. changes], cancellationToken);
                requests += queries;
                if (allServed)
                {
                    LogAppliedByLostAttempt(changes.Count, _zone, requests);
                    return new DnsApplyResult(requests, null);
                }
            }

            if (failure.Kind != DnsProviderError.Unavailable || attempt >= MaxAttempts)
            {
                LogFailed(changes.Count, _zone, failure.Kind, failure.Code ?? "-", requests, failure.Message);
                throw failure;
            }

            var delay = Backoff.Delay(attempt, BackoffBase, BackoffCap, 0.5, Random.Shared.NextDouble());
            LogRetry(attempt, MaxAttempts, (int)delay.TotalMilliseconds, failure.Message);
            await Task.Delay(delay, _time, cancellationToken);
        }
    }

    private byte[] BuildMessage(IReadOnlyList<DnsChange> changes)
    {
        var seen = new HashSet<(string, DnsRecordType)>();
        foreach (var change in changes)
        {
            if (change is null || (change.Before is null && change.After is null))
            {
                throw Rejected("a change has neither a before nor an after set");
            }

            if (change.Before is { } before && change.After is { } after && (before.Name != after.Name || before.Type != after.Type))
            {
                throw Rejected($"change {change} changes the name or type of a set");
            }

            if (!DnsNames.IsInZone(change.Name, _zone))
            {
                throw Rejected($"{change.Name} is not in zone {_zone}", "NOTZONE");
            }

            if (!seen.Add((change.Name, change.Type)))
            {
                throw Rejected($"{change.Name} {change.Type} is changed twice in one plan");
            }

            if (change.After is { Ttl: < 0 })
            {
                throw Rejected($"{change.Name} {change.Type}: TTL {change.After.Ttl} is negative");
            }
        }

        try
        {
            return UpdateMessage.Build(0, _zone, changes);
        }
        catch (FormatException e)
        {
            throw Rejected(e.Message, inner: e);
        }
    }

    /// <summary>
    /// Signs and sends one UPDATE. Returns null on success, else the failure; <c>LostAnswer</c> tells that the message
    /// may have reached the server without its answer reaching us.
    /// </summary>
    private async Task<(DnsProviderException? Failure, long SentAt, bool LostAnswer)> SendUpdateAsync(byte[] unsigned, CancellationToken cancellationToken)
    {
        // Unpredictable, as a resolver's query ids are: a forged answer must guess it (TSIG is checked as well).
        var id = (ushort)System.Security.Cryptography.RandomNumberGenerator.GetInt32(0x10000);
        unsigned[0] = (byte)(id >> 8);
        unsigned[1] = (byte)id;
        var (signed, requestMac) = _signer.Sign(unsigned, _time.GetUtcNow());
        var sentAt = _time.GetTimestamp();
        Interlocked.Increment(ref _requestsSent);
        byte[] answer;
        try
        {
            answer = await DnsTcpExchange.ExchangeAsync(_options.Server, signed, _options.Timeout, _time, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutException e)
        {
            return (Unavailable(e.Message, "TIMEOUT", e), sentAt, true);
        }
        catch (SocketException e)
        {
            // Refused: the message never left. Any other socket error may come after the server read it.
            return (Unavailable($"cannot reach {_options.Server}: {e.SocketErrorCode}", "CONNECT", e), sentAt, e.SocketErrorCode != SocketError.ConnectionRefused);
        }
        catch (IOException e)
        {
            return (Unavailable($"connection to {_options.Server} failed: {e.Message}", "CONNECT", e), sentAt, true);
        }

        return (Evaluate(answer, id, requestMac), sentAt, false);
    }

    private DnsProviderException? Evaluate(byte[] answer, ushort id, byte[] requestMac)
    {
        DnsResponse response;
        try
        {
            response = DnsResponse.Parse(answer);
        }
        catch (FormatException e)
        {
            return Unavailable($"malformed answer from {_options.Server}: {e.Message}", "MALFORMED", e);
        }

        if (response.Id != id || !response.IsResponse || response.Opcode != DnsConstants.OpcodeUpdate)
        {
            return Unavailable($"answer from {_options.Server} does not match the UPDATE sent (id {response.Id}, opcode {response.Opcode})");
        }

        if (response.Tsig is { Error: not 0 } tsigError)
        {
            var name = DnsRcode.Name(tsigError.Error);
            return new DnsProviderException(Name, DnsProviderError.Unauthorized, $"{DnsRcode.Name(response.Rcode)}/{name}: {DnsRcode.Describe(tsigError.Error)} (key {_signer.KeyName}, {_signer.Algorithm})", name);
        }

        var verification = _signer.Verify(response, requestMac, _time.GetUtcNow());
        if (verification != TsigVerification.Valid)
        {
            // An answer we cannot authenticate says nothing trustworthy, even that the update failed.
            var rcode = DnsRcode.Name(response.Rcode);
            return verification == TsigVerification.BadTime
                ? new DnsProviderException(Name, DnsProviderError.Unauthorized, $"{rcode} answer's TSIG time is outside its fudge window (clock skew)", "BADTIME")
                : new DnsProviderException(Name, DnsProviderError.Unauthorized, $"{rcode} answer's TSIG is not valid for key {_signer.KeyName}: {verification}", "BADSIG");
        }

        if (response.Rcode == DnsRcode.NoError)
        {
            return null;
        }

        var code = DnsRcode.Name(response.Rcode);
        return new DnsProviderException(Name, DnsRcode.Classify(response.Rcode, 0), $"{code}: {DnsRcode.Describe(response.Rcode)} (zone {_zone})", code);
    }

    /// <summary>
    /// Polls until every change is served, the last check at <see cref="ServedCheckBound"/>; returns the queries made,
    /// the time since <paramref name="sentAt"/> (null when not served in time) and the changes not seen served.
    /// </summary>
    private async Task<(int Queries, TimeSpan? ServedAfter, List<DnsChange> Pending)> WaitUntilServedAsync(IReadOnlyList<DnsChange> changes, long sentAt, CancellationToken cancellationToken)
    {
        var pending = changes.ToList();
        var queries = 0;
        var interval = ServedCheckFirstInterval;
        var started = _time.GetTimestamp();
        while (true)
        {
            var (made, allServed, error) = await CheckServedAsync(pending, cancellationToken);
            queries += made;
            if (allServed)
            {
                return (queries, _time.GetElapsedTime(sentAt), pending);
            }

            if (error is not null)
            {
                LogServedCheckFailed(error);
            }

            var remaining = ServedCheckBound - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return (queries, null, pending);
            }

            await Task.Delay(interval < remaining ? interval : remaining, _time, cancellationToken);
            interval = TimeSpan.FromMilliseconds(Math.Min(ServedCheckMaxInterval.TotalMilliseconds, interval.TotalMilliseconds * 2));
        }
    }

    /// <summary>
    /// Queries each pending change once, removing those served as planned; true when none is left. A failed query
    /// leaves its change pending and is returned as the error.
    /// </summary>
    private async Task<(int Queries, bool AllServed, string? Error)> CheckServedAsync(List<DnsChange> pending, CancellationToken cancellationToken)
    {
        var queries = 0;
        string? error = null;
        for (var i = pending.Count - 1; i >= 0; i--)
        {
            var change = pending[i];
            queries++;
            DnsRecordSet? served;
            try
            {
                served = await QuerySetAsync(change.Name, change.Type, cancellationToken);
            }
            catch (DnsProviderException e)
            {
                error = e.Message;
                continue;
            }

            var done = change.After is { } after ? served is not null && served.SameContent(after) : served is null;
            if (done)
            {
                pending.RemoveAt(i);
            }
        }

        return (queries, pending.Count == 0, error);
    }

    /// <summary>The set of <paramref name="name"/>/<paramref name="type"/> in the server's authoritative data, null when there is none.</summary>
    private async Task<DnsRecordSet?> QuerySetAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        Interlocked.Increment(ref _requestsSent);
        try
        {
            response = await _lookup.QueryAsync(name, ToQueryType(type), QueryClass.IN, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ArgumentException e)
        {
            throw Rejected($"cannot query {name} {type}: {e.Message}", inner: e);
        }
        catch (Exception e) when (e is DnsResponseException or OperationCanceledException or TimeoutException or SocketException or IOException)
        {
            throw Unavailable($"query {name} {type} at {_options.Server} failed: {ProviderText.Clip(e.Message)}", "TIMEOUT", e);
        }
        catch (Exception e)
        {
            // DnsResponseParseException (a malformed answer: truncated, a pointer loop), DnsXidMismatchException (an
            // answer to another query), or anything else the library throws on what the server sent.
            throw Unavailable($"query {name} {type} at {_options.Server}: malformed or unusable answer ({e.GetType().Name}: {ProviderText.Clip(e.Message)})", "MALFORMED", e);
        }

        var rcode = (int)response.Header.ResponseCode;
        if (rcode == DnsRcode.NxDomain)
        {
            return null;
        }

        if (rcode != DnsRcode.NoError)
        {
            var code = DnsRcode.Name(rcode);
            var kind = rcode switch
            {
                DnsRcode.ServFail => DnsProviderError.Unavailable,
                DnsRcode.Refused or DnsRcode.NotAuth => DnsProviderError.Unauthorized,
                _ => DnsProviderError.Rejected,
            };
            throw new DnsProviderException(Name, kind, $"query {name} {type} at {_options.Server}: {code}", code);
        }

        var wanted = (ResourceRecordType)ToQueryType(type);
        var values = new List<string>();
        var ttl = int.MaxValue;
        foreach (var record in response.Answers)
        {
            // An A query at a name holding a CNAME answers with the CNAME (and what it points to): only the queried
            // name and type are this set.
            if (record.RecordType != wanted || DnsNames.Normalize(record.DomainName.Value) != name)
            {
                continue;
            }

            if (!response.Header.HasAuthorityAnswer)
            {
                throw new DnsProviderException(Name, DnsProviderError.Unauthorized, $"{_options.Server} answered {name} {type} without authority: it is not the primary of {_zone}", "NOTAUTH");
            }

            values.Add(record switch
            {
                ARecord a => a.Address.ToString(),
                AaaaRecord aaaa => aaaa.Address.ToString(),
                CNameRecord cname => DnsNames.Normalize(cname.CanonicalName.Value),
                TxtRecord txt => string.Concat(txt.Text),
                _ => record.ToString(),
            });
            ttl = Math.Min(ttl, record.InitialTimeToLive);
        }

        return values.Count == 0 ? null : new DnsRecordSet(name, type, ttl, values);
    }

    private static QueryType ToQueryType(DnsRecordType type) => type switch
    {
        DnsRecordType.A => QueryType.A,
        DnsRecordType.AAAA => QueryType.AAAA,
        DnsRecordType.CNAME => QueryType.CNAME,
        _ => QueryType.TXT,
    };

    private DnsProviderException Rejected(string message, string? code = null, Exception? inner = null) =>
        new(Name, DnsProviderError.Rejected, message, code, inner: inner);

    private DnsProviderException Unavailable(string message, string? code = null, Exception? inner = null) =>
        new(Name, DnsProviderError.Unavailable, message, code, inner: inner);
}
