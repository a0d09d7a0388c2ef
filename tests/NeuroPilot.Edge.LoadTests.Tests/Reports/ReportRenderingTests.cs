using NeuroPilot.Edge.LoadTests.Tests.TestKit;

namespace NeuroPilot.Edge.LoadTests.Tests.Reports;

[Collection(RunReportCollection.Name)]
public class ReportRenderingTests(RunReportFixture fixture)
{
    [Fact]
    public async Task ReportHtml_RenderedByHeadlessChromium_IsAPageWithChartsNotABlankOne()
    {
        using var directory = new TempDirectory();
        var png = directory.Combine("report.png");

        await Chromium.ScreenshotAsync(Path.Combine(fixture.Directory, "report.html"), png, directory.Combine("profile"));

        var image = PngImage.Load(png);
        Assert.Equal(1200, image.Width);
        Assert.Equal(1600, image.Height);
        Assert.True(new FileInfo(png).Length > 30_000, $"the screenshot is only {new FileInfo(png).Length} bytes");

        // A rendered report: light page, white cards, coloured lines and text. A blank or error page is one or two
        // colours and almost all white. (The share of dark pixels depends on the run's data: 5.0-6% was seen, so the
        // bound sits well below that; the colour count is the sharper check.)
        Assert.True(image.NonWhiteShare() > 0.02, $"non-white share {image.NonWhiteShare():P1}");
        Assert.True(image.DistinctColors() > 40, $"{image.DistinctColors()} distinct colours");
    }
}
