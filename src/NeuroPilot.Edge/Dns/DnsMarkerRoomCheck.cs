using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// The feature check (<see cref="ConfigCheck"/>) that every <c>Dns.Records</c> name leaves room for its ownership
/// marker (<see cref="DnsOwnership.MarkerName"/>, a TXT record at a longer name): a record the pusher could not mark
/// is one it could never own, so <c>check</c>, start-up and a reload refuse it. The marker's naming is this folder's.
/// </summary>
public static class DnsMarkerRoomCheck
{
    /// <summary>The longest DNS name in presentation form, without the trailing dot (RFC 1035 §2.3.4).</summary>
    private const int MaxNameLength = 253;

    public static void Check(EdgeConfig config, ICollection<ConfigError> errors)
    {
        var records = config.Dns?.Records ?? [];
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            var path = $"Dns.Records[{i}].Name";
            if (record.Name.Length == 0 || errors.Any(e => e.Path == path))
            {
                continue;
            }

            if (DnsOwnership.MarkerName(record.Name, record.Type).Length > MaxNameLength)
            {
                var added = DnsOwnership.MarkerName("", record.Type).Length;
                errors.Add(new ConfigError(path, $"\"{record.Name}\" is too long to carry an ownership marker ({added} characters are added)"));
            }
        }
    }
}
