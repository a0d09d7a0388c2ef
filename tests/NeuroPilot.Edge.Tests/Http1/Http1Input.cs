using System.Buffers;
using System.Text;

namespace NeuroPilot.Edge.Tests.Http1;

/// <summary>Test input for the HTTP/1.1 parsers: text as Latin-1 bytes, and byte arrays cut into multi-segment sequences.</summary>
internal static class Http1Input
{
    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    public static ReadOnlySequence<byte> Whole(string text) => new(Bytes(text));

    /// <summary>The bytes as a sequence with a segment boundary at each cut (cuts outside the bytes or repeated are ignored).</summary>
    public static ReadOnlySequence<byte> Segmented(ReadOnlySpan<byte> bytes, IEnumerable<int> cuts)
    {
        var length = bytes.Length;
        var boundaries = cuts.Where(c => c > 0 && c < length).Distinct().Order().Append(bytes.Length).ToList();
        Segment? first = null;
        Segment? last = null;
        var start = 0;
        foreach (var end in boundaries)
        {
            var segment = new Segment(bytes[start..end].ToArray());
            if (first is null)
            {
                first = last = segment;
            }
            else
            {
                last = last!.Append(segment);
            }

            start = end;
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes) => Memory = bytes;

        public Segment Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
            return next;
        }
    }
}
