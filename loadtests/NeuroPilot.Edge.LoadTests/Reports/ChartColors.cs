namespace NeuroPilot.Edge.LoadTests.Reports;

/// <summary>The colours every report uses for the same meaning (readable on white, distinct for colour-blind readers).</summary>
internal static class ChartColors
{
    public const string P50 = "#2563eb";
    public const string P99 = "#ea580c";
    public const string Max = "#9ca3af";
    public const string Offered = "#6b7280";
    public const string Responses = "#0d9488";
    public const string Error = "#dc2626";
    public const string Late = "#d97706";
    public const string Marker = "#7c3aed";
    public const string Budget = "#b91c1c";

    private static readonly string[] s_series = ["#2563eb", "#ea580c", "#0d9488", "#7c3aed", "#db2777", "#65a30d", "#0891b2", "#a16207"];

    /// <summary>The colour of the n-th target of a comparison.</summary>
    public static string Series(int index) => s_series[index % s_series.Length];
}
