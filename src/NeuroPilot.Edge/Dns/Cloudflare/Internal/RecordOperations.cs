namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>
/// Record-level operations, in the order Cloudflare's batch runs them: deletes (by id), patches (TTL and proxied of
/// kept records), posts (new records). One per change, then packed into batches.
/// </summary>
internal sealed class RecordOperations
{
    public List<string> Deletes { get; } = [];

    public List<CloudflareRecordPatch> Patches { get; } = [];

    public List<CloudflareRecordPost> Posts { get; } = [];

    public int Count => Deletes.Count + Patches.Count + Posts.Count;

    /// <summary>
    /// Packs the operations of each change into batches of at most <paramref name="maxOperations"/>, keeping a
    /// change's operations in one batch whenever they fit, so that each change is applied all or nothing. A batch is a
    /// transaction, several batches are not: when the plan needs more than one, each batch is atomic on its own, and
    /// a failure leaves the earlier batches applied. A change larger than a batch is cut in order (deletes, patches,
    /// posts) and is then not atomic itself.
    /// </summary>
    public static List<RecordOperations> Pack(IEnumerable<RecordOperations> perChange, int maxOperations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOperations, 1);
        var batches = new List<RecordOperations>();
        var current = new RecordOperations();
        foreach (var change in perChange)
        {
            if (change.Count == 0)
            {
                continue;
            }

            if (current.Count > 0 && current.Count + change.Count > maxOperations)
            {
                batches.Add(current);
                current = new RecordOperations();
            }

            if (change.Count <= maxOperations)
            {
                current.Add(change);
                continue;
            }

            foreach (var piece in change.Cut(maxOperations))
            {
                batches.Add(piece);
            }
        }

        if (current.Count > 0)
        {
            batches.Add(current);
        }

        return batches;
    }

    /// <summary>All operations of <paramref name="parts"/> in one, in order.</summary>
    public static RecordOperations Merge(IEnumerable<RecordOperations> parts)
    {
        var all = new RecordOperations();
        foreach (var part in parts)
        {
            all.Add(part);
        }

        return all;
    }

    public void Add(RecordOperations other)
    {
        Deletes.AddRange(other.Deletes);
        Patches.AddRange(other.Patches);
        Posts.AddRange(other.Posts);
    }

    public CloudflareBatchRequest ToBatchRequest() => new()
    {
        Deletes = Deletes.Count == 0 ? null : Deletes.ConvertAll(id => new CloudflareRecordId { Id = id }),
        Patches = Patches.Count == 0 ? null : Patches,
        Posts = Posts.Count == 0 ? null : Posts,
    };

    private List<RecordOperations> Cut(int maxOperations)
    {
        var pieces = new List<RecordOperations> { new() };
        foreach (var id in Deletes)
        {
            Room().Deletes.Add(id);
        }

        foreach (var patch in Patches)
        {
            Room().Patches.Add(patch);
        }

        foreach (var post in Posts)
        {
            Room().Posts.Add(post);
        }

        return pieces;

        RecordOperations Room()
        {
            if (pieces[^1].Count >= maxOperations)
            {
                pieces.Add(new RecordOperations());
            }

            return pieces[^1];
        }
    }
}
