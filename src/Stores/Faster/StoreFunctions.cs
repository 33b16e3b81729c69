using FASTER.core;

namespace ContactCenter.Stores.Faster;

/// <summary>
/// FASTER callbacks for the byte store. Reads copy the value into a new array (the only allocation of
/// a successful Get, and it is the value handed back to Streamiz). Puts are RMWs whose input is the new
/// value: FASTER then tells us (NotFound vs Found) whether the key is new, which keeps the entry count
/// exact without a second lookup.
/// </summary>
internal sealed class StoreFunctions : SpanByteFunctions<SpanByte, byte[]?, Empty>
{
    public override bool SingleReader(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref byte[]? dst, ref ReadInfo readInfo)
    {
        dst = value.ToByteArray();
        return true;
    }

    public override bool ConcurrentReader(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref byte[]? dst, ref ReadInfo readInfo)
    {
        dst = value.ToByteArray();
        return true;
    }

    public override bool InitialUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref byte[]? output, ref RMWInfo rmwInfo)
    {
        WriteInto(ref input, ref value);
        return true;
    }

    // The base copies the old value; a put replaces it, so copy the input instead.
    public override bool CopyUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte oldValue, ref SpanByte newValue, ref byte[]? output, ref RMWInfo rmwInfo)
    {
        WriteInto(ref input, ref newValue);
        return true;
    }

    private static void WriteInto(ref SpanByte src, ref SpanByte dst)
    {
        // The record was sized by PutValueLength for exactly src; shrinking keeps log scans valid if it was not.
        dst.UnmarkExtraMetadata();
        dst.ShrinkSerializedLength(src.Length);
        src.CopyTo(ref dst);
    }
}

/// <summary>A put's record holds exactly the new value (FASTER's default would size it max(old, new)).</summary>
internal struct PutValueLength : IVariableLengthStruct<SpanByte, SpanByte>
{
    public int GetInitialLength(ref SpanByte input) => sizeof(int) + input.Length;

    public int GetLength(ref SpanByte t, ref SpanByte input) => sizeof(int) + input.Length;
}
