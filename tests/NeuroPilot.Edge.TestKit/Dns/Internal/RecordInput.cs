using System.Text.Json;
using System.Text.Json.Nodes;

namespace NeuroPilot.Edge.Tests.TestKit.Dns.Internal;

/// <summary>
/// The record fields a request body gives (create, PUT, PATCH, or one batch operation); a null field was not given.
/// <see cref="CommentGiven"/> tells an absent comment from an explicit <c>null</c> (which clears it).
/// </summary>
internal sealed record RecordInput(
    string? Id,
    string? Name,
    string? Type,
    string? Content,
    int? Ttl,
    bool? Proxied,
    bool CommentGiven,
    string? Comment,
    int? Priority,
    int TagCount)
{
    public static RecordInput Parse(JsonNode? node)
    {
        if (node is not JsonObject body)
        {
            throw CloudflareApiException.BadRequest(CloudflareErrorCodes.InvalidRequestBody, "Request body is invalid.");
        }

        var commentGiven = body.TryGetPropertyValue("comment", out var commentNode);
        return new RecordInput(
            String(body, "id"),
            String(body, "name"),
            String(body, "type"),
            String(body, "content"),
            Integer(body, "ttl"),
            Boolean(body, "proxied"),
            commentGiven,
            commentNode is null ? null : String(body, "comment"),
            Integer(body, "priority"),
            body["tags"] is JsonArray tags ? tags.Count : 0);
    }

    private static string? String(JsonObject body, string field) => body[field] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => throw Invalid(field, "a string"),
    };

    private static int? Integer(JsonObject body, string field) => body[field] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<int>(out var number) => number,
        JsonValue value when value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var number)
            && number == Math.Floor(number) && Math.Abs(number) < int.MaxValue => (int)number,
        _ => throw Invalid(field, "an integer"),
    };

    private static bool? Boolean(JsonObject body, string field) => body[field] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
        _ => throw Invalid(field, "a boolean"),
    };

    private static CloudflareApiException Invalid(string field, string what) =>
        new(400, CloudflareErrorCodes.DnsValidationError, "DNS Validation Error", [(CloudflareErrorCodes.InvalidRequestBody, $"{field} must be {what}")]);
}
