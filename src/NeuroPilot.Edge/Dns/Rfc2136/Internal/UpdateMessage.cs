namespace NeuroPilot.Edge.Dns.Rfc2136.Internal;

/// <summary>
/// Builds one DNS UPDATE message (RFC 2136) for a list of record-set changes, unsigned. Each change is conditional on
/// the state it was planned against (section 2.4 prerequisites), so the whole message applies only if every set
/// still is what the plan saw, and all of it or nothing (section 3.2, 3.4):
/// <list type="bullet">
/// <item>create: prerequisite "RRset does not exist" (class NONE, RDLENGTH 0); update: add every new record;</item>
/// <item>replace or delete: prerequisite "RRset exists (value dependent)" with exactly the old records (class IN,
/// TTL 0); update: "delete an RRset" (class ANY, RDLENGTH 0), then (replace) add every new record.</item>
/// </list>
/// Values that do not fit their type throw <see cref="FormatException"/>.
/// </summary>
internal static class UpdateMessage
{
    public static byte[] Build(ushort id, string zone, IReadOnlyList<DnsChange> changes)
    {
        var writer = new DnsWireWriter();
        writer.WriteUInt16(id);
        writer.WriteUInt16(DnsConstants.OpcodeUpdate << 11);
        writer.WriteUInt16(1);
        var prCountAt = writer.Length;
        writer.WriteUInt16(0);
        var upCountAt = writer.Length;
        writer.WriteUInt16(0);
        writer.WriteUInt16(0);

        // Zone section.
        writer.WriteName(zone);
        writer.WriteUInt16(DnsConstants.TypeSoa);
        writer.WriteUInt16(DnsConstants.ClassIn);

        // Prerequisite section.
        var prerequisites = 0;
        foreach (var change in changes)
        {
            var type = DnsConstants.TypeCode(change.Type);
            if (change.Before is not { Values.Count: > 0 } before)
            {
                WriteHeader(writer, change.Name, type, DnsConstants.ClassNone, 0);
                writer.WriteUInt16(0);
                prerequisites++;
                continue;
            }

            foreach (var value in before.Values)
            {
                WriteHeader(writer, change.Name, type, DnsConstants.ClassIn, 0);
                DnsRecordData.Write(writer, change.Type, value);
                prerequisites++;
            }
        }

        // Update section.
        var updates = 0;
        foreach (var change in changes)
        {
            var type = DnsConstants.TypeCode(change.Type);
            if (change.Before is not null)
            {
                WriteHeader(writer, change.Name, type, DnsConstants.ClassAny, 0);
                writer.WriteUInt16(0);
                updates++;
            }

            if (change.After is { } after)
            {
                foreach (var value in after.Values)
                {
                    WriteHeader(writer, change.Name, type, DnsConstants.ClassIn, checked((uint)after.Ttl));
                    DnsRecordData.Write(writer, change.Type, value);
                    updates++;
                }
            }
        }

        if (prerequisites > ushort.MaxValue || updates > ushort.MaxValue || writer.Length > ushort.MaxValue - 1024)
        {
            throw new FormatException("the changes do not fit in one DNS message");
        }

        writer.PatchUInt16(prCountAt, (ushort)prerequisites);
        writer.PatchUInt16(upCountAt, (ushort)updates);
        return writer.ToArray();
    }

    private static void WriteHeader(DnsWireWriter writer, string name, ushort type, ushort @class, uint ttl)
    {
        writer.WriteName(name);
        writer.WriteUInt16(type);
        writer.WriteUInt16(@class);
        writer.WriteUInt32(ttl);
    }
}
