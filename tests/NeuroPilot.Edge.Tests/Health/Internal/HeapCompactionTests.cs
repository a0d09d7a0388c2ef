using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Health.Internal;

namespace NeuroPilot.Edge.Tests.Health.Internal;

/// <summary>
/// The one heap compaction after a large table is applied, driven by a fake clock with a counting stand-in for the
/// collection: it waits for the table's first probes, runs once, and never for a small table.
/// </summary>
public sealed class HeapCompactionTests : IDisposable
{
    private static readonly TimeSpan FirstProbes = TimeSpan.FromSeconds(3);

    private readonly FakeTimeProvider _time = new();
    private readonly HeapCompaction _compaction;
    private int _collections;

    public HeapCompactionTests()
    {
        _compaction = new HeapCompaction(_time, () => _collections++);
    }

    public void Dispose() => _compaction.Dispose();

    [Fact]
    public void Applied_LargeTable_CompactsOnceAfterItsFirstProbes()
    {
        _compaction.Applied(HeapCompaction.MinDestinations, FirstProbes);

        _time.Advance(FirstProbes - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, _collections);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, _collections);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, _collections);
        Assert.Equal(1, _compaction.Compactions);
        Assert.False(_compaction.Pending);
    }

    [Fact]
    public void Applied_SmallTable_NeverCompacts()
    {
        _compaction.Applied(HeapCompaction.MinDestinations - 1, FirstProbes);

        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(0, _collections);
        Assert.False(_compaction.Pending);
    }

    [Fact]
    public void Applied_AgainBeforeTheCompaction_CompactsOnceAfterTheLastTablesFirstProbes()
    {
        _compaction.Applied(10_000, FirstProbes);
        _time.Advance(TimeSpan.FromSeconds(2));
        _compaction.Applied(10_000, FirstProbes);

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, _collections);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, _collections);
    }

    [Fact]
    public void Applied_AfterACompaction_CompactsAgainForTheNewTable()
    {
        _compaction.Applied(10_000, FirstProbes);
        _time.Advance(FirstProbes);

        _compaction.Applied(5_000, FirstProbes);
        _time.Advance(FirstProbes);

        Assert.Equal(2, _collections);
    }
}
