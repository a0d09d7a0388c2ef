using NeuroPilot.Edge.LoadTests.Cli;

namespace NeuroPilot.Edge.LoadTests.Tests.Cli;

public class ValueParsersTests
{
    [Theory]
    [InlineData("20s", 20_000)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1.5s", 1500)]
    [InlineData("250us", 0.25)]
    [InlineData("1h", 3_600_000)]
    [InlineData("0s", 0)]
    public void Duration_WithUnit_IsParsed(string text, double milliseconds)
    {
        Assert.Equal(milliseconds, ValueParsers.Duration(text).TotalMilliseconds, 6);
    }

    [Theory]
    [InlineData("20")]
    [InlineData("-1s")]
    [InlineData("1d")]
    [InlineData("s")]
    [InlineData("2 m")]
    [InlineData("25h")]
    public void Duration_WithoutAValidUnit_IsRejected(string text)
    {
        Assert.Throws<FormatException>(() => ValueParsers.Duration(text));
    }

    [Theory]
    [InlineData("2000", 2000)]
    [InlineData("10k", 10_000)]
    [InlineData("0.5", 0.5)]
    public void Rate_IsParsed(string text, double rate)
    {
        Assert.Equal(rate, ValueParsers.Rate(text));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("fast")]
    [InlineData("2000000")]
    public void Rate_OutOfRange_IsRejected(string text)
    {
        Assert.Throws<FormatException>(() => ValueParsers.Rate(text));
    }

    [Theory]
    [InlineData("0.1%", 0.001)]
    [InlineData("0.001", 0.001)]
    [InlineData("5%", 0.05)]
    public void Ratio_PercentOrFraction_IsParsed(string text, double ratio)
    {
        Assert.Equal(ratio, ValueParsers.Ratio(text), 9);
    }

    [Theory]
    [InlineData("512", 512)]
    [InlineData("4k", 4096)]
    [InlineData("1m", 1_048_576)]
    public void Size_IsParsed(string text, int bytes)
    {
        Assert.Equal(bytes, ValueParsers.Size(text));
    }

    [Theory]
    [InlineData("100MiB", 104_857_600)]
    [InlineData("100m", 104_857_600)]
    [InlineData("512k", 524_288)]
    [InlineData("1g", 1_073_741_824)]
    [InlineData("1.5MB", 1_572_864)]
    [InlineData("4096", 4096)]
    public void Bytes_WithOrWithoutUnit_IsParsedInPowersOf1024(string text, double bytes)
    {
        Assert.Equal(bytes, ValueParsers.Bytes(text));
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("-1m")]
    [InlineData("2t")]
    [InlineData("2000g")]
    public void Bytes_NotAnAmount_IsRejected(string text)
    {
        Assert.Throws<FormatException>(() => ValueParsers.Bytes(text));
    }

    [Theory]
    [InlineData("10", 10)]
    [InlineData("10x", 10)]
    [InlineData("2.5", 2.5)]
    public void Factor_IsParsed(string text, double factor)
    {
        Assert.Equal(factor, ValueParsers.Factor(text));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("ten")]
    public void Factor_OutOfRange_IsRejected(string text)
    {
        Assert.Throws<FormatException>(() => ValueParsers.Factor(text));
    }
}
