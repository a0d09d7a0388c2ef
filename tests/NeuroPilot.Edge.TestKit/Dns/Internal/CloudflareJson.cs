using System.Globalization;
using System.Text.Json.Nodes;

namespace NeuroPilot.Edge.Tests.TestKit.Dns.Internal;

/// <summary>The API's JSON shapes: the envelope, a record, <c>result_info</c>.</summary>
internal static class CloudflareJson
{
    public static string Success(JsonNode? result, JsonObject? resultInfo = null)
    {
        var envelope = new JsonObject
        {
            ["success"] = true,
            ["errors"] = new JsonArray(),
            ["messages"] = new JsonArray(),
            ["result"] = result,
        };
        if (resultInfo is not null)
        {
            envelope["result_info"] = resultInfo;
        }

        return envelope.ToJsonString();
    }

    public static string Failure(CloudflareApiException error)
    {
        var first = new JsonObject { ["code"] = error.Code, ["message"] = error.Message };
        if (error.Chain.Count > 0)
        {
            var chain = new JsonArray();
            foreach (var (code, message) in error.Chain)
            {
                chain.Add(new JsonObject { ["code"] = code, ["message"] = message });
            }

            first["error_chain"] = chain;
        }

        return new JsonObject
        {
            ["success"] = false,
            ["errors"] = new JsonArray(first),
            ["messages"] = new JsonArray(),
            ["result"] = null,
        }.ToJsonString();
    }

    public static JsonObject ResultInfo(int page, int perPage, int count, int totalCount, int totalPages) => new()
    {
        ["page"] = page,
        ["per_page"] = perPage,
        ["count"] = count,
        ["total_count"] = totalCount,
        ["total_pages"] = totalPages,
    };

    public static JsonArray Records(IEnumerable<CloudflareDnsRecord> records, string zoneId, string zoneName)
    {
        var array = new JsonArray();
        foreach (var record in records)
        {
            array.Add(Record(record, zoneId, zoneName));
        }

        return array;
    }

    public static JsonObject Record(CloudflareDnsRecord record, string zoneId, string zoneName)
    {
        var json = new JsonObject
        {
            ["id"] = record.Id,
            ["zone_id"] = zoneId,
            ["zone_name"] = zoneName,
            ["name"] = record.Name,
            ["type"] = record.Type,
            ["content"] = record.Content,
            ["proxiable"] = record.Proxiable,
            ["proxied"] = record.Proxied,
            ["ttl"] = record.Ttl,
            ["settings"] = new JsonObject(),
            ["meta"] = new JsonObject(),
            ["comment"] = record.Comment,
            ["tags"] = new JsonArray(),
            ["created_on"] = Timestamp(record.CreatedOn),
            ["modified_on"] = Timestamp(record.ModifiedOn),
        };
        if (record.Priority is { } priority)
        {
            json["priority"] = priority;
        }

        return json;
    }

    /// <summary>Cloudflare's timestamp shape: <c>2020-04-25T00:23:21.336751Z</c>.</summary>
    private static string Timestamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
