using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace NeuroPilot.Edge.Tests.TestKit.Dns.Internal;

/// <summary>
/// One zone's DNS records and the rules Cloudflare applies to them. Every write works on a copy that replaces the
/// records only when the whole operation succeeded, which makes a batch one transaction. Not thread-safe: the
/// emulator calls it under its lock.
/// </summary>
internal sealed class CloudflareZone(string id, string name, TimeProvider time)
{
    public const int DefaultPerPage = 100;
    public const int MinPerPage = 5;
    public const int MaxPerPage = 5_000;

    private static readonly string[] OrderFields = ["type", "name", "content", "ttl", "proxied"];

    private OrderedDictionary<string, CloudflareDnsRecord> _records = new(StringComparer.Ordinal);

    public string Id { get; } = id;

    public string Name { get; } = name;

    public IReadOnlyList<CloudflareDnsRecord> Records => [.. _records.Values];

    public void Clear() => _records = new(StringComparer.Ordinal);

    public CloudflareDnsRecord Get(string recordId) =>
        _records.TryGetValue(recordId, out var record) ? record : throw NotFound();

    public CloudflareDnsRecord Create(RecordInput input) => Transaction(working => CreateIn(working, input));

    public CloudflareDnsRecord Put(string recordId, RecordInput input) => Transaction(working => PutIn(working, recordId, input));

    public CloudflareDnsRecord Patch(string recordId, RecordInput input) => Transaction(working => PatchIn(working, recordId, input));

    public CloudflareDnsRecord Delete(string recordId) => Transaction(working => DeleteIn(working, recordId));

    /// <summary>
    /// <c>POST dns_records/batch</c>: deletes, then patches, then puts, then posts, all or nothing; the first failure
    /// is the answer.
    /// </summary>
    public JsonObject Batch(JsonNode? body, int maxOperations)
    {
        if (body is not JsonObject batch)
        {
            throw CloudflareApiException.BadRequest(CloudflareErrorCodes.InvalidRequestBody, "Request body is invalid.");
        }

        var operations = new Dictionary<string, RecordInput[]>();
        var total = 0;
        foreach (var kind in (string[])["deletes", "patches", "puts", "posts"])
        {
            var items = batch[kind] switch
            {
                null => [],
                JsonArray array => array.Select(RecordInput.Parse).ToArray(),
                _ => throw CloudflareApiException.BadRequest(CloudflareErrorCodes.InvalidRequestBody, $"{kind} must be an array"),
            };
            operations[kind] = items;
            total += items.Length;
        }

        if (total > maxOperations)
        {
            throw CloudflareApiException.BadRequest(
                CloudflareErrorCodes.InvalidBatch, $"A batch may hold at most {maxOperations} operations; this one holds {total}.");
        }

        return Transaction(working =>
        {
            var result = new JsonObject();
            foreach (var (kind, items) in operations)
            {
                var done = new List<CloudflareDnsRecord>();
                foreach (var item in items)
                {
                    done.Add(kind switch
                    {
                        "deletes" => DeleteIn(working, RequireId(item, kind)),
                        "patches" => PatchIn(working, RequireId(item, kind), item),
                        "puts" => PutIn(working, RequireId(item, kind), item),
                        _ => CreateIn(working, item),
                    });
                }

                result[kind] = CloudflareJson.Records(done, Id, Name);
            }

            return result;
        });
    }

    /// <summary><c>GET dns_records</c>: filters, <c>match</c>, <c>order</c>/<c>direction</c>, paging.</summary>
    public (IReadOnlyList<CloudflareDnsRecord> Page, JsonObject ResultInfo) List(IQueryCollection query)
    {
        var matchAny = query["match"].ToString() switch
        {
            "" or "all" => false,
            "any" => true,
            var other => throw CloudflareApiException.BadRequest(CloudflareErrorCodes.DnsValidationError, $"match must be all or any, not \"{other}\""),
        };
        var filters = Filters(query);
        var selected = _records.Values
            .Where(record => filters.Count == 0 || (matchAny ? filters.Any(f => f(record)) : filters.All(f => f(record))))
            .ToList();

        var order = query["order"].ToString();
        if (order.Length > 0)
        {
            if (!OrderFields.Contains(order))
            {
                throw CloudflareApiException.BadRequest(CloudflareErrorCodes.DnsValidationError, $"order must be one of {string.Join(", ", OrderFields)}");
            }

            Func<CloudflareDnsRecord, IComparable> key = order switch
            {
                "type" => r => r.Type,
                "name" => r => r.Name,
                "content" => r => r.Content,
                "ttl" => r => r.Ttl,
                _ => r => r.Proxied,
            };
            selected = query["direction"].ToString() == "desc"
                ? [.. selected.OrderByDescending(key)]
                : [.. selected.OrderBy(key)];
        }

        var perPage = PositiveInteger(query, "per_page", DefaultPerPage);
        if (perPage is < MinPerPage or > MaxPerPage)
        {
            throw CloudflareApiException.BadRequest(
                CloudflareErrorCodes.DnsValidationError, $"per_page must be between {MinPerPage} and {MaxPerPage}, not {perPage}");
        }

        var page = PositiveInteger(query, "page", 1);
        var pageRecords = selected.Skip((int)Math.Min(int.MaxValue, (long)(page - 1) * perPage)).Take(perPage).ToList();
        var totalPages = (selected.Count + perPage - 1) / perPage;
        return (pageRecords, CloudflareJson.ResultInfo(page, perPage, pageRecords.Count, selected.Count, totalPages));
    }

    private static List<Func<CloudflareDnsRecord, bool>> Filters(IQueryCollection query)
    {
        var filters = new List<Func<CloudflareDnsRecord, bool>>();
        foreach (var (key, values) in query)
        {
            var value = values.ToString();
            var dot = key.IndexOf('.', StringComparison.Ordinal);
            var field = dot < 0 ? key : key[..dot];
            var op = dot < 0 ? "exact" : key[(dot + 1)..];
            Func<CloudflareDnsRecord, string?>? get = field switch
            {
                "name" => r => r.Name,
                "content" => r => r.Content,
                "comment" => r => r.Comment,
                "type" => r => r.Type,
                "proxied" => r => r.Proxied ? "true" : "false",
                _ => null,
            };
            if (get is null)
            {
                continue;
            }

            if (field == "name")
            {
                value = value.TrimEnd('.');
            }

            filters.Add(op switch
            {
                "exact" => r => string.Equals(get(r), value, StringComparison.OrdinalIgnoreCase),
                "contains" => r => get(r)?.Contains(value, StringComparison.OrdinalIgnoreCase) == true,
                "startswith" => r => get(r)?.StartsWith(value, StringComparison.OrdinalIgnoreCase) == true,
                "endswith" => r => get(r)?.EndsWith(value, StringComparison.OrdinalIgnoreCase) == true,
                "present" => r => get(r) is not null,
                "absent" => r => get(r) is null,
                _ => throw CloudflareApiException.BadRequest(CloudflareErrorCodes.DnsValidationError, $"unknown filter {key}"),
            });
        }

        return filters;
    }

    private static int PositiveInteger(IQueryCollection query, string key, int byDefault)
    {
        var text = query[key].ToString();
        if (text.Length == 0)
        {
            return byDefault;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw CloudflareApiException.BadRequest(CloudflareErrorCodes.DnsValidationError, $"{key} must be a positive integer, not \"{text}\"");
    }

    private T Transaction<T>(Func<OrderedDictionary<string, CloudflareDnsRecord>, T> work)
    {
        var working = new OrderedDictionary<string, CloudflareDnsRecord>(_records, StringComparer.Ordinal);
        var result = work(working);
        _records = working;
        return result;
    }

    private CloudflareDnsRecord CreateIn(OrderedDictionary<string, CloudflareDnsRecord> working, RecordInput input)
    {
        var now = time.GetUtcNow();
        var record = Validate(working, new CloudflareDnsRecord(
            Guid.NewGuid().ToString("N"),
            input.Name ?? "",
            input.Type ?? "",
            input.Content ?? "",
            input.Ttl ?? 1,
            input.Proxied ?? false,
            input.Comment,
            input.Priority,
            now,
            now), input.TagCount);
        working.Add(record.Id, record);
        return record;
    }

    private CloudflareDnsRecord PutIn(OrderedDictionary<string, CloudflareDnsRecord> working, string recordId, RecordInput input)
    {
        var existing = working.TryGetValue(recordId, out var found) ? found : throw NotFound();
        var record = Validate(working, existing with
        {
            Name = input.Name ?? "",
            Type = input.Type ?? "",
            Content = input.Content ?? "",
            Ttl = input.Ttl ?? 1,
            Proxied = input.Proxied ?? false,
            Comment = input.Comment,
            Priority = input.Priority,
            ModifiedOn = time.GetUtcNow(),
        }, input.TagCount);
        working[recordId] = record;
        return record;
    }

    private CloudflareDnsRecord PatchIn(OrderedDictionary<string, CloudflareDnsRecord> working, string recordId, RecordInput input)
    {
        var existing = working.TryGetValue(recordId, out var found) ? found : throw NotFound();
        var record = Validate(working, existing with
        {
            Name = input.Name ?? existing.Name,
            Type = input.Type ?? existing.Type,
            Content = input.Content ?? existing.Content,
            Ttl = input.Ttl ?? existing.Ttl,
            Proxied = input.Proxied ?? existing.Proxied,
            Comment = input.CommentGiven ? input.Comment : existing.Comment,
            Priority = input.Priority ?? existing.Priority,
            ModifiedOn = time.GetUtcNow(),
        }, input.TagCount);
        working[recordId] = record;
        return record;
    }

    private static CloudflareDnsRecord DeleteIn(OrderedDictionary<string, CloudflareDnsRecord> working, string recordId) =>
        working.Remove(recordId, out var removed) ? removed : throw NotFound();

    /// <summary>Normalizes a candidate record and applies Cloudflare's rules against the other records.</summary>
    private CloudflareDnsRecord Validate(OrderedDictionary<string, CloudflareDnsRecord> working, CloudflareDnsRecord candidate, int tagCount)
    {
        var type = candidate.Type.Trim().ToUpperInvariant();
        if (type.Length == 0 || !type.All(char.IsAsciiLetterOrDigit))
        {
            throw CloudflareApiException.BadRequest(CloudflareErrorCodes.DnsValidationError, "DNS record type is invalid.");
        }

        var recordName = NormalizeName(candidate.Name);
        var content = NormalizeContent(type, candidate.Content.Trim());
        if (candidate.Ttl != 1 && candidate.Ttl is < 60 or > 86_400)
        {
            throw CloudflareApiException.BadRequest(
                CloudflareErrorCodes.InvalidTtl, "TTL must be between 60 and 86400 seconds, or 1 for Automatic.");
        }

        if (candidate.Proxied && !CloudflareDnsRecord.IsProxiableType(type))
        {
            throw CloudflareApiException.BadRequest(CloudflareErrorCodes.NotProxiable, $"{type} records cannot be proxied.");
        }

        var comment = string.IsNullOrEmpty(candidate.Comment) ? null : candidate.Comment;
        if (comment is { Length: > 100 })
        {
            throw CloudflareApiException.BadRequest(
                CloudflareErrorCodes.CommentTooLong, "DNS record comment exceeds the maximum length of 100 characters.");
        }

        if (tagCount > 0)
        {
            throw new CloudflareApiException(400, CloudflareErrorCodes.DnsValidationError, "DNS Validation Error",
                [(CloudflareErrorCodes.TagsOverQuota, $"DNS record has {tagCount} tags, exceeding the quota of 0.")]);
        }

        var record = candidate with
        {
            Name = recordName,
            Type = type,
            Content = content,
            Ttl = candidate.Proxied ? 1 : candidate.Ttl,
            Comment = comment,
        };
        foreach (var other in working.Values)
        {
            if (other.Id == record.Id || other.Name != record.Name)
            {
                continue;
            }

            if (other.Type == record.Type && string.Equals(other.Content, record.Content, StringComparison.OrdinalIgnoreCase)
                && other.Priority == record.Priority)
            {
                throw CloudflareApiException.BadRequest(CloudflareErrorCodes.IdenticalRecordExists, "An identical record already exists.");
            }

            if (other.Type == "CNAME" && record.Type == "CNAME")
            {
                throw CloudflareApiException.BadRequest(CloudflareErrorCodes.RecordAlreadyExists, "The record already exists.");
            }

            if ((other.Type == "CNAME" && record.Type is "A" or "AAAA") || (record.Type == "CNAME" && other.Type is "A" or "AAAA"))
            {
                throw CloudflareApiException.BadRequest(
                    CloudflareErrorCodes.AddressOrCnameExists, "An A, AAAA, or CNAME record with that host already exists.");
            }
        }

        return record;
    }

    /// <summary>Lower case, no trailing dot, <c>@</c> for the apex, a relative name completed with the zone.</summary>
    private string NormalizeName(string given)
    {
        var candidate = given.Trim().TrimEnd('.').ToLowerInvariant();
        if (candidate == "@")
        {
            return Name;
        }

        if (candidate.Length == 0 || candidate.Length > 253 || candidate.Split('.').Any(label =>
                label.Length is 0 or > 63 || !label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '*')))
        {
            throw CloudflareApiException.BadRequest(CloudflareErrorCodes.InvalidName, $"DNS name is invalid: \"{given}\".");
        }

        return candidate == Name || candidate.EndsWith("." + Name, StringComparison.Ordinal) ? candidate : $"{candidate}.{Name}";
    }

    private static string NormalizeContent(string type, string content)
    {
        if (content.Length == 0)
        {
            throw CloudflareApiException.BadRequest(CloudflareErrorCodes.InvalidContent, $"Content for {type} record is invalid.");
        }

        switch (type)
        {
            case "A":
                return IPAddress.TryParse(content, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork && content.Count(c => c == '.') == 3
                    ? v4.ToString()
                    : throw CloudflareApiException.BadRequest(CloudflareErrorCodes.InvalidIPv4, "Content for A record must be a valid IPv4 address.");
            case "AAAA":
                return IPAddress.TryParse(content, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6
                    ? v6.ToString()
                    : throw CloudflareApiException.BadRequest(CloudflareErrorCodes.InvalidIPv6, "Content for AAAA record must be a valid IPv6 address.");
            case "CNAME" or "NS" or "MX":
                return content.TrimEnd('.').ToLowerInvariant();
            default:
                return content;
        }
    }

    private static string RequireId(RecordInput item, string kind) =>
        item.Id ?? throw CloudflareApiException.BadRequest(CloudflareErrorCodes.InvalidBatch, $"Every item of {kind} needs an id.");

    private static CloudflareApiException NotFound() => new(404, CloudflareErrorCodes.RecordNotFound, "Record does not exist.");
}
