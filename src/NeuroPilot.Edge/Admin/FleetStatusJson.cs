using System.Buffers;
using System.Globalization;
using System.Text.Json;
using NeuroPilot.Edge.Admin.Internal;
using NeuroPilot.Edge.Fleet;

namespace NeuroPilot.Edge.Admin;

/// <summary>
/// <c>GET /admin/fleet</c>: whether this edge is in a fleet, how it stands with etcd (its lease, the last error), and
/// every live member's published views as last read, the DNS writer (<see cref="FleetLeaderJson"/>), the quorum
/// (<c>majority</c> or a count) and, per region, the last quorum decision this edge's DNS pusher made.
/// </summary>
public sealed record FleetStatusJson(
    bool Enabled,
    string? EdgeId,
    string? Prefix,
    string? Etcd,
    string? LeaseId,
    string? LastError,
    string? ViewState,
    string? ViewError,
    DateTimeOffset? ViewReadAt,
    long? ViewRevision,
    IReadOnlyList<FleetMemberJson> Members,
    FleetLeaderJson? Leader = null,
    string? DnsQuorum = null,
    IReadOnlyList<FleetQuorumJson>? Quorum = null)
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public static FleetStatusJson Disabled { get; } = new(false, null, null, null, null, null, null, null, null, null, []);

    public static FleetStatusJson From(FleetMembership? fleet, IReadOnlyDictionary<string, IReadOnlyList<FleetRegionAgreement>>? quorum = null)
    {
        if (fleet is null)
        {
            return Disabled;
        }

        var member = fleet.Member.Status;
        var view = fleet.Reader.Current;
        var members = view.Members.OrderBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => new FleetMemberJson(m.Key, [.. m.Value.Values.OrderBy(v => v.Service, StringComparer.Ordinal)]))
            .ToList();
        return new FleetStatusJson(
            true,
            fleet.Options.EdgeId,
            fleet.Options.Prefix,
            Wire(member.State),
            member.LeaseId == 0 ? null : member.LeaseId.ToString("x", CultureInfo.InvariantCulture),
            member.LastError,
            Wire(fleet.Reader.State),
            fleet.Reader.LastError,
            view.ReadAt == DateTimeOffset.MinValue ? null : view.ReadAt,
            view.Revision == 0 ? null : view.Revision,
            members,
            LeaderOf(fleet.Leadership.Status),
            fleet.Options.DnsQuorum.ToString(),
            quorum is null ? [] : [.. quorum.OrderBy(s => s.Key, StringComparer.Ordinal).SelectMany(s => s.Value.Select(a => QuorumOf(s.Key, a)))]);
    }

    private static FleetLeaderJson LeaderOf(FleetLeaderStatus status) => new(
        status.Leader, status.IsLeader, Wire(status.State), status.CheckedAt == DateTimeOffset.MinValue ? null : status.CheckedAt, status.LastError);

    private static FleetQuorumJson QuorumOf(string service, FleetRegionAgreement agreement) => new(
        service,
        agreement.Region,
        agreement.Usable,
        agreement.Decision switch { FleetQuorumDecision.Down => "down", FleetQuorumDecision.Up => "up", _ => "kept" },
        agreement.SeeUsable,
        agreement.SeeUnusable,
        agreement.Required);

    /// <summary>Writes the status as indented UTF-8 JSON.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, Indented);
        JsonSerializer.Serialize(writer, this, AdminJsonContext.Default.FleetStatusJson);
    }

    private static string Wire(FleetConnection state) => state switch
    {
        FleetConnection.Connecting => "connecting",
        FleetConnection.Connected => "connected",
        FleetConnection.Unreachable => "unreachable",
        _ => "stopped",
    };
}
