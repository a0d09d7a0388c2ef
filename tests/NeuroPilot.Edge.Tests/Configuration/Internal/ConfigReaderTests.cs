using System.Text.Json;
using NeuroPilot.Edge.Configuration.Internal;

namespace NeuroPilot.Edge.Tests.Configuration.Internal;

public class ConfigReaderTests
{
    [Theory]
    [InlineData("00:00:10", 10_000)]
    [InlineData("01:30:00", 5_400_000)]
    [InlineData("00:00:00.250", 250)]
    [InlineData("0s", 0)]
    [InlineData("10s", 10_000)]
    [InlineData("0.5s", 500)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    public void TryParseDuration_AcceptedForm_GivesTheDuration(string text, double milliseconds)
    {
        Assert.True(ConfigReader.TryParseDuration(text, out var duration));

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("ms")]
    [InlineData("1d")]
    [InlineData("10 s")]
    [InlineData("1,5s")]
    [InlineData("-5s")]
    [InlineData("-00:00:05")]
    [InlineData("1e3ms")]
    [InlineData("NaNs")]
    [InlineData("Infinitys")]
    [InlineData("99999999999999999999h")]
    public void TryParseDuration_NotADuration_IsRejected(string text) =>
        Assert.False(ConfigReader.TryParseDuration(text, out _));

    [Fact]
    public void Show_LongValue_IsCutTo80Characters()
    {
        using var document = JsonDocument.Parse($"\"{new string('x', 200)}\"");

        var shown = ConfigReader.Show(document.RootElement);

        Assert.Equal(80, shown.Length);
        Assert.EndsWith("...", shown, StringComparison.Ordinal);
    }
}
