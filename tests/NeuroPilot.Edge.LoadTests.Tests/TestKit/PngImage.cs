using System.Buffers.Binary;
using System.IO.Compression;

namespace NeuroPilot.Edge.LoadTests.Tests.TestKit;

/// <summary>
/// Just enough of a PNG decoder to look at a screenshot: 8-bit RGB or RGBA, non-interlaced (what Chromium writes).
/// </summary>
public sealed class PngImage
{
    private readonly byte[] _pixels;
    private readonly int _channels;

    private PngImage(int width, int height, int channels, byte[] pixels)
    {
        Width = width;
        Height = height;
        _channels = channels;
        _pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public static PngImage Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8 || !bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }))
        {
            throw new InvalidDataException($"{path} is not a PNG");
        }

        int width = 0, height = 0, channels = 0;
        using var compressed = new MemoryStream();
        for (var offset = 8; offset + 8 <= bytes.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(bytes, offset + 4, 4);
            var data = bytes.AsSpan(offset + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                var depth = data[8];
                var color = data[9];
                var interlace = data[12];
                if (depth != 8 || interlace != 0 || color is not (2 or 6))
                {
                    throw new InvalidDataException($"unsupported PNG: depth {depth}, color type {color}, interlace {interlace}");
                }

                channels = color == 2 ? 3 : 4;
            }
            else if (type == "IDAT")
            {
                compressed.Write(data);
            }

            offset += 12 + length;
        }

        compressed.Position = 0;
        using var inflater = new ZLibStream(compressed, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        inflater.CopyTo(raw);
        return new PngImage(width, height, channels, Unfilter(raw.ToArray(), width, height, channels));
    }

    /// <summary>Share of pixels that are not (near) white.</summary>
    public double NonWhiteShare()
    {
        long nonWhite = 0;
        for (var i = 0; i < _pixels.Length; i += _channels)
        {
            if (_pixels[i] < 240 || _pixels[i + 1] < 240 || _pixels[i + 2] < 240)
            {
                nonWhite++;
            }
        }

        return (double)nonWhite / ((long)Width * Height);
    }

    /// <summary>Distinct colours, ignoring the lowest 3 bits of each channel (anti-aliasing noise).</summary>
    public int DistinctColors()
    {
        var colors = new HashSet<int>();
        for (var i = 0; i < _pixels.Length; i += _channels)
        {
            colors.Add(((_pixels[i] >> 3) << 10) | ((_pixels[i + 1] >> 3) << 5) | (_pixels[i + 2] >> 3));
        }

        return colors.Count;
    }

    private static byte[] Unfilter(byte[] data, int width, int height, int channels)
    {
        var stride = width * channels;
        var pixels = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            var filter = data[y * (stride + 1)];
            var source = data.AsSpan((y * (stride + 1)) + 1, stride);
            var row = pixels.AsSpan(y * stride, stride);
            var previous = y > 0 ? pixels.AsSpan((y - 1) * stride, stride) : new byte[stride];
            for (var x = 0; x < stride; x++)
            {
                int a = x >= channels ? row[x - channels] : 0;
                int b = previous[x];
                int c = x >= channels ? previous[x - channels] : 0;
                row[x] = (byte)(source[x] + filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"bad PNG filter {filter}"),
                });
            }
        }

        return pixels;
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
