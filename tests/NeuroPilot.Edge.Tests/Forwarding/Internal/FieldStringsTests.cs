using System.Text;
using NeuroPilot.Edge.Forwarding.Internal;

namespace NeuroPilot.Edge.Tests.Forwarding.Internal;

/// <summary>The fast engine's cache of the last response's field strings, and its bound.</summary>
public sealed class FieldStringsTests
{
    [Fact]
    public void Get_SameFieldAgain_GivesTheSameStrings()
    {
        var strings = new FieldStrings();
        var first = strings.Get(0, "Content-Type"u8, "text/plain"u8);

        var second = strings.Get(0, "Content-Type"u8, "text/plain"u8);

        Assert.Equal(("Content-Type", "text/plain"), second);
        Assert.Same(first.Value, second.Value);
        Assert.Same(first.Name, second.Name);
    }

    [Fact]
    public void Get_ChangedValue_GivesTheNewValueWithTheKeptName()
    {
        var strings = new FieldStrings();
        var first = strings.Get(0, "Date"u8, "Sat, 05 Dec 2026 09:00:00 GMT"u8);

        var second = strings.Get(0, "Date"u8, "Sat, 05 Dec 2026 09:00:01 GMT"u8);

        Assert.Equal("Sat, 05 Dec 2026 09:00:01 GMT", second.Value);
        Assert.Same(first.Name, second.Name);
    }

    [Fact]
    public void Get_FieldOverTheCachedSize_IsMadeEachTimeAndNeverKept()
    {
        var strings = new FieldStrings();
        var value = Encoding.Latin1.GetBytes(new string('v', FieldStrings.MaxCachedFieldBytes));

        var first = strings.Get(0, "X-Large"u8, value);
        var second = strings.Get(0, "X-Large"u8, value);

        Assert.Equal(new string('v', FieldStrings.MaxCachedFieldBytes), second.Value);
        Assert.NotSame(first.Value, second.Value);
    }

    [Fact]
    public void Get_BeyondTheCapacity_IsMadeEachTime()
    {
        var strings = new FieldStrings();

        var first = strings.Get(FieldStrings.Capacity, "X-Late"u8, "1"u8);
        var second = strings.Get(FieldStrings.Capacity, "X-Late"u8, "1"u8);

        Assert.Equal(("X-Late", "1"), second);
        Assert.NotSame(first.Name, second.Name);
    }
}
