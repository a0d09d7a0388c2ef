using CsCheck;

namespace NeuroPilot.Edge.Tests.TestSupport;

/// <summary>Random edits of a valid message (a byte set, inserted or removed), for property tests of readers of outside input.</summary>
internal static class ByteMutations
{
    /// <summary>1 to <paramref name="most"/> edits, each (kind, position, byte); positions wrap around the message.</summary>
    public static Gen<(int Kind, int At, byte Value)[]> Gen(int most, int maxAt) =>
        CsCheck.Gen.Select(CsCheck.Gen.Int[0, 2], CsCheck.Gen.Int[0, maxAt], CsCheck.Gen.Byte).Array[1, most];

    public static byte[] Apply(IEnumerable<byte> message, (int Kind, int At, byte Value)[] mutations)
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

        return [.. bytes];
    }
}
