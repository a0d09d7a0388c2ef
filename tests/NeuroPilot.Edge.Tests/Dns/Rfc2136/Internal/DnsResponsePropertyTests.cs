using System.Buffers.Binary;
using System.Diagnostics;
using CsCheck;
using NeuroPilot.Edge.Dns.Rfc2136.Internal;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Dns.Rfc2136.Internal;

/// <summary>
/// Property tests (CsCheck) of the RFC 2136 wire reader (<see cref="DnsWireReader"/>, <see cref="DnsResponse.Parse"/>)
/// and of the TSIG check that reads what it parsed: random bytes, valid messages (compressed names, TSIG or not) cut
/// short, mutated, and names made of compression pointer loops. Whatever the bytes, the reader returns or throws
/// <see cref="FormatException"/>, never another exception, never hangs: each property runs on a worker with a 30 s
/// deadline and prints how many cases it ran.
/// </summary>
public sealed class DnsResponsePropertyTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private static readonly byte[] Secret = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];

    /// <summary>A lower-case DNS label of 1 to 12 letters, digits or hyphens.</summary>
    private static readonly Gen<string> Label = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"].Array[1, 12].Select(c => new string(c));

    private static readonly Gen<string> Name = Label.Array[1, 4].Select(labels => string.Join('.', labels));

    /// <summary>
    /// A well-formed DNS message: a header, 0 to 2 questions, 0 to 5 records whose names are written out or point
    /// back at an earlier name (RFC 1035 compression), and half the time a TSIG record appended by <see cref="TsigSigner"/>.
    /// </summary>
    private static readonly Gen<byte[]> ValidMessage =
        Gen.Select(Gen.UShort, Gen.UShort, Name.Array[0, 2], Gen.Select(Gen.Int[0, 3], Gen.Byte.Array[0, 24], Name).Array[0, 5], Gen.Bool)
            .Select((id, flags, questions, records, signed) =>
            {
                var writer = new DnsWireWriter();
                writer.WriteUInt16(id);
                writer.WriteUInt16(flags);
                writer.WriteUInt16((ushort)questions.Length);
                writer.WriteUInt16((ushort)records.Length);
                writer.WriteUInt16(0);
                writer.WriteUInt16(0);
                var names = new List<int>();
                foreach (var question in questions)
                {
                    names.Add(writer.Length);
                    writer.WriteName(question);
                    writer.WriteUInt16(DnsConstants.TypeA);
                    writer.WriteUInt16(DnsConstants.ClassIn);
                }

                foreach (var (how, rdata, name) in records)
                {
                    if (how > 0 && names.Count > 0)
                    {
                        // A pointer to an earlier name, or a label in front of one.
                        if (how == 2)
                        {
                            writer.WriteUInt8(3);
                            writer.WriteBytes("www"u8);
                        }

                        writer.WriteUInt16((ushort)(0xC000 | names[how % names.Count]));
                    }
                    else
                    {
                        names.Add(writer.Length);
                        writer.WriteName(name);
                    }

                    writer.WriteUInt16(rdata.Length == 4 ? DnsConstants.TypeA : DnsConstants.TypeTxt);
                    writer.WriteUInt16(DnsConstants.ClassIn);
                    writer.WriteUInt32(60);
                    writer.WriteUInt16((ushort)rdata.Length);
                    writer.WriteBytes(rdata);
                }

                if (!signed)
                {
                    return writer.ToArray();
                }

                using var signer = new TsigSigner("edge-key", "hmac-sha256", Secret);
                return signer.Sign(writer.WrittenSpan, Now).Message;
            });

    [Fact]
    public Task Parse_RandomBytes_ReturnsOrThrowsFormatException() =>
        RunAsync("random bytes (0-600)", Gen.Byte.Array[0, 600], ParseAndVerify, iter: 200_000);

    [Fact]
    public Task Parse_RandomBytesBehindAValidHeader_ReturnsOrThrowsFormatException() =>
        RunAsync("a header with random counts, then random bytes", Gen.Select(Gen.UShort.Array[6], Gen.Byte.Array[0, 400]).Select((header, rest) =>
        {
            var message = new byte[12 + rest.Length];
            for (var i = 0; i < 6; i++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(i * 2), i < 2 ? header[i] : (ushort)(header[i] % 8));
            }

            rest.CopyTo(message, 12);
            return message;
        }), ParseAndVerify, iter: 200_000);

    [Fact]
    public Task Parse_ValidMessages_ParseAndEveryStrictPrefixThrowsFormatException() =>
        RunAsync("valid messages and each of their strict prefixes", ValidMessage, message =>
        {
            var parsed = DnsResponse.Parse(message);
            Assert.Equal(BinaryPrimitives.ReadUInt16BigEndian(message), parsed.Id);
            for (var length = 0; length < message.Length; length++)
            {
                Assert.Throws<FormatException>(() => DnsResponse.Parse(message.AsMemory(0, length)));
            }
        }, iter: 20_000);

    [Fact]
    public Task Parse_MutatedValidMessages_ReturnsOrThrowsFormatException() =>
        RunAsync("valid messages with 1-8 bytes set, inserted or removed", Gen.Select(ValidMessage, Gen.Select(Gen.Int[0, 2], Gen.Int[0, 1_000], Gen.Byte).Array[1, 8]).Select((message, mutations) =>
        {
            var bytes = message.ToList();
            foreach (var (kind, at, value) in mutations)
            {
                var index = bytes.Count == 0 ? 0 : at % bytes.Count;
                switch (kind)
                {
                    case 0 when bytes.Count > 0:
                        bytes[index] = value;
                        break;
                    case 1:
                        bytes.Insert(index, value);
                        break;
                    case 2 when bytes.Count > 0:
                        bytes.RemoveAt(index);
                        break;
                }
            }

            return bytes.ToArray();
        }), ParseAndVerify, iter: 100_000);

    [Fact]
    public Task ReadName_CompressionPointerLoops_ThrowFormatException() =>
        RunAsync("names whose labels and pointers run in a loop", Gen.Select(Label.Array[0, 3].Array[1, 10], Gen.Int[0, 9], Gen.Int[0, 9]).Select((nodes, loopTo, startAt) =>
        {
            // Node i: its labels, then a pointer to node i + 1; the last node points back at node loopTo.
            var writer = new DnsWireWriter();
            writer.WriteBytes(new byte[12]);
            var offsets = new int[nodes.Length];
            var pointers = new int[nodes.Length];
            for (var i = 0; i < nodes.Length; i++)
            {
                offsets[i] = writer.Length;
                foreach (var label in nodes[i])
                {
                    writer.WriteUInt8((byte)label.Length);
                    writer.WriteBytes(System.Text.Encoding.ASCII.GetBytes(label));
                }

                pointers[i] = writer.Length;
                writer.WriteUInt16(0);
            }

            for (var i = 0; i < nodes.Length; i++)
            {
                var target = i + 1 < nodes.Length ? offsets[i + 1] : offsets[loopTo % nodes.Length];
                writer.PatchUInt16(pointers[i], (ushort)(0xC000 | target));
            }

            return (Message: writer.ToArray(), Start: offsets[startAt % nodes.Length]);
        }), loop =>
        {
            var reader = new DnsWireReader(loop.Message) { Position = loop.Start };
            Assert.Throws<FormatException>(() => reader.ReadName());
        }, iter: 100_000);

    /// <summary>Parses, and when that works checks the TSIG as the provider does: either may only throw <see cref="FormatException"/>.</summary>
    private static void ParseAndVerify(byte[] message)
    {
        DnsResponse response;
        try
        {
            response = DnsResponse.Parse(message);
        }
        catch (FormatException)
        {
            return;
        }

        using var signer = new TsigSigner("edge-key", "hmac-sha256", Secret);
        _ = signer.Verify(response, new byte[32], Now);
    }

    /// <summary>Runs <paramref name="iter"/> cases on one worker thread within <see cref="Deadline"/>, printing the count and the time.</summary>
    private async Task RunAsync<T>(string what, Gen<T> gen, Action<T> property, long iter)
    {
        var cases = 0L;
        var clock = Stopwatch.StartNew();
        var run = Task.Run(() => gen.Sample(value =>
        {
            Interlocked.Increment(ref cases);
            property(value);
        }, iter: iter, threads: 1));
        await run.WaitAsync(Deadline);
        output.WriteLine($"{what}: {Interlocked.Read(ref cases):N0} cases in {clock.Elapsed.TotalSeconds:0.00} s, every one a parse or a FormatException");
    }
}
