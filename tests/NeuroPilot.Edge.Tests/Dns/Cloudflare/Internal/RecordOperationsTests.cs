using NeuroPilot.Edge.Dns.Cloudflare.Internal;

namespace NeuroPilot.Edge.Tests.Dns.Cloudflare.Internal;

public sealed class RecordOperationsTests
{
    [Fact]
    public void Pack_ChangesThatFitTogether_OneBatchKeepingEachChangeWhole()
    {
        var batches = RecordOperations.Pack([Change("a", 2, 1, 3), Change("b", 1, 0, 1), Change("c", 0, 0, 0)], 200);

        var batch = Assert.Single(batches);
        Assert.Equal(["a-d0", "a-d1", "b-d0"], batch.Deletes);
        Assert.Equal(8, batch.Count);
    }

    [Fact]
    public void Pack_OverTheLimit_StartsANewBatchRatherThanSplittingAChange()
    {
        var batches = RecordOperations.Pack([Change("a", 100, 0, 60), Change("b", 30, 0, 30), Change("c", 0, 0, 100)], 200);

        Assert.Equal([160, 160], batches.Select(b => b.Count));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"b-d{i}"), batches[1].Deletes);
    }

    [Fact]
    public void Pack_OneChangeLargerThanABatch_IsCutInOrderDeletesPatchesPosts()
    {
        var batches = RecordOperations.Pack([Change("a", 150, 20, 150)], 200);

        Assert.Equal([200, 120], batches.Select(b => b.Count));
        Assert.Equal((150, 20, 30), (batches[0].Deletes.Count, batches[0].Patches.Count, batches[0].Posts.Count));
        Assert.Equal((0, 0, 120), (batches[1].Deletes.Count, batches[1].Patches.Count, batches[1].Posts.Count));
    }

    private static RecordOperations Change(string name, int deletes, int patches, int posts)
    {
        var operations = new RecordOperations();
        for (var i = 0; i < deletes; i++)
        {
            operations.Deletes.Add($"{name}-d{i}");
        }

        for (var i = 0; i < patches; i++)
        {
            operations.Patches.Add(new CloudflareRecordPatch { Id = $"{name}-p{i}", Ttl = 60, Proxied = false });
        }

        for (var i = 0; i < posts; i++)
        {
            operations.Posts.Add(new CloudflareRecordPost { Name = $"{name}.example.com", Type = "A", Content = $"198.51.100.{i % 250}", Ttl = 60, Proxied = false });
        }

        return operations;
    }
}
