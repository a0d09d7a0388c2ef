using System.Xml;
using System.Xml.Linq;

namespace NeuroPilot.Edge.LoadTests.Tests.TestKit;

/// <summary>Checks on the HTML reports.</summary>
public static class HtmlAssert
{
    /// <summary>Parses as XML (well-formed), counts labelled charts, and rejects anything a browser would fetch.</summary>
    public static void SelfContained(string html, int minimumCharts)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore };
        using var reader = XmlReader.Create(new StringReader(html), settings);
        var document = XDocument.Load(reader);

        var charts = document.Descendants("svg").ToList();
        Assert.True(charts.Count >= minimumCharts, $"{charts.Count} charts");
        Assert.All(charts, svg =>
        {
            Assert.NotNull(svg.Attribute("viewBox"));
            Assert.Contains(svg.Descendants("text"), t => t.Attribute("class")?.Value == "axis-label");
            Assert.Contains(svg.Descendants(), e => e.Name.LocalName is "polyline" or "rect" or "path" or "circle");
        });

        Assert.Empty(document.Descendants("script"));
        Assert.Empty(document.Descendants("link"));
        Assert.Empty(document.Descendants("img"));
        Assert.DoesNotContain(document.Descendants().Attributes(), a => a.Name.LocalName is "src" or "href");
        Assert.DoesNotContain(document.Descendants().Attributes(), a => a.Value.Contains("http", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }
}
