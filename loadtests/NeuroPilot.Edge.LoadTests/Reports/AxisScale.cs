namespace NeuroPilot.Edge.LoadTests.Reports;

/// <summary>
/// Maps data values to pixels along one axis and picks readable ticks: 1-2-5 steps on a linear axis,
/// powers of ten (with 2 and 5 when the range is short) on a log axis.
/// </summary>
internal sealed class AxisScale
{
    private readonly double _pixelFrom;
    private readonly double _pixelTo;

    private AxisScale(double min, double max, bool log, IReadOnlyList<double> ticks, double pixelFrom, double pixelTo)
    {
        Min = min;
        Max = max;
        IsLog = log;
        Ticks = ticks;
        _pixelFrom = pixelFrom;
        _pixelTo = pixelTo;
    }

    public double Min { get; }

    public double Max { get; }

    public bool IsLog { get; }

    public IReadOnlyList<double> Ticks { get; }

    /// <summary>A linear axis from (rounded) <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static AxisScale Linear(double min, double max, double pixelFrom, double pixelTo, int targetTicks = 6)
    {
        if (!(max > min))
        {
            max = min + (min == 0 ? 1 : Math.Abs(min));
        }

        var step = NiceStep((max - min) / Math.Max(1, targetTicks - 1));
        var niceMin = Math.Floor(min / step) * step;
        var niceMax = Math.Ceiling(max / step - 1e-9) * step;
        var ticks = new List<double>();
        for (var tick = niceMin; tick <= niceMax + step / 2; tick += step)
        {
            ticks.Add(Math.Round(tick, 10));
        }

        return new AxisScale(niceMin, niceMax, false, ticks, pixelFrom, pixelTo);
    }

    /// <summary>A linear axis with the given bounds and ticks, kept as they are.</summary>
    public static AxisScale Fixed(double min, double max, IReadOnlyList<double> ticks, double pixelFrom, double pixelTo) =>
        new(min, max, false, ticks, pixelFrom, pixelTo);

    /// <summary>A log-10 axis covering [<paramref name="min"/>, <paramref name="max"/>] (both more than zero).</summary>
    public static AxisScale Log(double min, double max, double pixelFrom, double pixelTo)
    {
        min = Math.Max(min, 1e-6);
        max = Math.Max(max, min * 10);
        var low = Math.Floor(Math.Log10(min));
        var high = Math.Ceiling(Math.Log10(max));
        var decades = high - low;
        var ticks = new List<double>();
        for (var exponent = low; exponent <= high; exponent++)
        {
            var power = Math.Pow(10, exponent);
            ticks.Add(power);
            if (decades <= 3 && exponent < high)
            {
                ticks.Add(2 * power);
                ticks.Add(5 * power);
            }
        }

        return new AxisScale(Math.Pow(10, low), Math.Pow(10, high), true, ticks, pixelFrom, pixelTo);
    }

    /// <summary>Pixel position of <paramref name="value"/>, clamped to the axis.</summary>
    public double Pixel(double value)
    {
        double fraction;
        if (IsLog)
        {
            var v = Math.Max(value, Min);
            fraction = (Math.Log10(v) - Math.Log10(Min)) / (Math.Log10(Max) - Math.Log10(Min));
        }
        else
        {
            fraction = (value - Min) / (Max - Min);
        }

        fraction = Math.Clamp(fraction, 0, 1);
        return _pixelFrom + (fraction * (_pixelTo - _pixelFrom));
    }

    private static double NiceStep(double rough)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var fraction = rough / power;
        var nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
        return nice * power;
    }
}
