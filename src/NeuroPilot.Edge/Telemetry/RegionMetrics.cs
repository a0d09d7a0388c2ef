using Prometheus;

namespace NeuroPilot.Edge.Telemetry;

/// <summary>
/// The per-request metric children of one (service, region), looked up once and cached by status code, so that
/// recording a request is two array reads and two atomic adds: no label lookup, no allocation.
/// </summary>
public sealed class RegionMetrics
{
    private static readonly string[] CodeLabels = CreateCodeLabels();

    private readonly EdgeMetrics _metrics;
    private readonly string _service;
    private readonly string _region;
    private readonly Counter.Child?[] _requestsByCode = new Counter.Child?[CodeLabels.Length];
    private readonly Histogram.Child _duration;

    public RegionMetrics(EdgeMetrics metrics, string service, string region)
    {
        _metrics = metrics;
        _service = service;
        _region = region;
        _duration = metrics.RequestDuration.WithLabels(service, region);
    }

    public void RecordRequest(int statusCode, double seconds)
    {
        var index = (uint)statusCode < (uint)CodeLabels.Length ? statusCode : 0;
        var counter = _requestsByCode[index] ?? CreateCounter(index);
        counter.Inc();
        _duration.Observe(seconds);
    }

    private Counter.Child CreateCounter(int index)
    {
        var child = _metrics.Requests.WithLabels(_service, _region, CodeLabels[index]);
        _requestsByCode[index] = child;
        return child;
    }

    private static string[] CreateCodeLabels()
    {
        var labels = new string[600];
        labels[0] = "other";
        for (var code = 1; code < labels.Length; code++)
        {
            labels[code] = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return labels;
    }
}
