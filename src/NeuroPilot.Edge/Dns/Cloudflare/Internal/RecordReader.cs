using System.Globalization;
using System.Net;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>
/// Reads the zone's records at some names through the transport, page by page (one request for a zone of up to
/// 5,000 records), and normalises them into record sets (<see cref="DnsRecordSet"/>'s canonical form) with the ids
/// they were made of. What is kept across pages is capped like one answer; a zone of more than <see cref="MaxPages"/>
/// pages is refused rather than read in part (records would look absent).
/// </summary>
internal sealed class RecordReader(CloudflareTransport transport, string recordsUrl, int perPage, int maxKeptChars)
{
    public const int MaxPages = 1_000;

    /// <summary>The record sets (of the types the edge manages) at <paramref name="wanted"/> names, and how many records and pages were read.</summary>
    public async Task<(List<SeenRecordSet> Sets, int Records, int Pages)> ReadAsync(IReadOnlySet<string> wanted, CloudflareCall call, CancellationToken cancellationToken)
    {
        var records = new List<CloudflareRecord>();
        var keptChars = 0L;
        var pages = 0;
        for (var page = 1; ; page++)
        {
            var url = $"{recordsUrl}?per_page={perPage.ToString(CultureInfo.InvariantCulture)}&page={page.ToString(CultureInfo.InvariantCulture)}";
            var envelope = (await transport.SendAsync(HttpMethod.Get, url, null, CloudflareJsonContext.Default.CloudflareEnvelopeListCloudflareRecord, call, cancellationToken)).GetOrThrow();
            pages++;
            var result = envelope.Result ?? throw CloudflareErrors.Failure(DnsProviderError.Unavailable, $"Cloudflare {call.What} (GET page {page}): the answer has no result list");
            foreach (var record in result)
            {
                if (record?.Name is not null && ParseType(record.Type) is not null && wanted.Contains(DnsNames.Normalize(record.Name)))
                {
                    // Pages are capped one by one; what is kept across them is capped too (a zone that repeats our
                    // names page after page).
                    keptChars += record.Name.Length + (record.Id?.Length ?? 0) + (record.Content?.Length ?? 0);
                    if (keptChars > maxKeptChars)
                    {
                        throw CloudflareErrors.Failure(DnsProviderError.Unavailable,
                            $"Cloudflare {call.What}: the records at the {wanted.Count} names read hold more than {maxKeptChars / (1024 * 1024)} MiB (page {page}); not read further");
                    }

                    records.Add(record);
                }
            }

            var totalPages = envelope.ResultInfo?.TotalPages ?? 1;
            if (page >= totalPages || result.Count == 0)
            {
                break;
            }

            if (page >= MaxPages)
            {
                throw CloudflareErrors.Failure(DnsProviderError.Rejected, $"Cloudflare {call.What}: the zone has more than {MaxPages} pages of {perPage} records; not read");
            }
        }

        return (Group(records), records.Count, pages);
    }

    public static DnsRecordType? ParseType(string? type) => type switch
    {
        "A" => DnsRecordType.A,
        "AAAA" => DnsRecordType.AAAA,
        "CNAME" => DnsRecordType.CNAME,
        "TXT" => DnsRecordType.TXT,
        _ => null,
    };

    /// <summary>The canonical value of <see cref="DnsRecordSet"/>: addresses re-spelled, CNAME targets normalized, TXT unquoted.</summary>
    public static string Canonical(DnsRecordType type, string content)
    {
        switch (type)
        {
            case DnsRecordType.A or DnsRecordType.AAAA:
                return IPAddress.TryParse(content.Trim(), out var address) ? address.ToString() : content.Trim();
            case DnsRecordType.CNAME:
                return DnsNames.Normalize(content.Trim());
            default:
                // Cloudflare may return TXT content quoted: one pair of surrounding quotes is not part of the text.
                return content is ['"', .., '"'] ? content[1..^1] : content;
        }
    }

    private static List<SeenRecordSet> Group(List<CloudflareRecord> records)
    {
        var sets = new List<SeenRecordSet>();
        foreach (var group in records.GroupBy(r => (Name: DnsNames.Normalize(r.Name!), Type: ParseType(r.Type)!.Value)).OrderBy(g => g.Key.Name, StringComparer.Ordinal).ThenBy(g => g.Key.Type))
        {
            var seen = group
                .Where(r => !string.IsNullOrEmpty(r.Id) && r.Content is not null)
                .Select(r => new SeenRecord(r.Id!, Canonical(group.Key.Type, r.Content!), r.Ttl, r.Proxied))
                .ToList();
            if (seen.Count == 0)
            {
                continue;
            }

            var set = new DnsRecordSet(group.Key.Name, group.Key.Type, seen.Min(r => r.Ttl), seen.Select(r => r.Value));
            sets.Add(new SeenRecordSet(set, seen));
        }

        return sets;
    }
}
