namespace NeuroPilot.Edge.Dns;

/// <summary>What a plan does with one configured record.</summary>
public enum DnsRecordOutcome
{
    /// <summary>The provider already holds the desired set.</summary>
    Unchanged,

    /// <summary>New: the name holds nothing of this type; the set and its ownership marker are created.</summary>
    Create,

    /// <summary>Ours (marker with our owner id) and different: replaced.</summary>
    Update,

    /// <summary>The name is held by records without our marker (or another owner's): left alone and reported.</summary>
    Conflict,

    /// <summary>No desired set now (every region down: never-empty rule; or regions not probed yet): left as it is.</summary>
    Held,
}
