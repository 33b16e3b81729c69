using System.Buffers.Binary;
using System.IO.Compression;
using K4os.Compression.LZ4.Streams;
using Snappier;
using ZstdSharp;

namespace ContactCenter.Broker.Log;

/// <summary>
/// The record-batch codecs (attributes bits 0-2: 1 gzip, 2 snappy, 3 lz4, 4 zstd), for the few places the broker
/// must look inside a compressed batch: offsets by time and compaction. Snappy comes raw (librdkafka) or in the
/// xerial framing the Java client writes; a recompression keeps the framing it found.
/// </summary>
internal static class BatchCompression
{
    public const int None = 0, Gzip = 1, Snappy = 2, Lz4 = 3, Zstd = 4;

    // Java's snappy-java stream header: magic, version 1, compatible version 1; then (length, raw block) pairs.
    private static ReadOnlySpan<byte> XerialMagic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];
    private const int XerialHeaderSize = 16;

    /// <summary>True when <paramref name="payload"/> (a snappy batch's records) uses the xerial framing.</summary>
    public static bool IsXerial(ReadOnlySpan<byte> payload) => payload.Length >= XerialHeaderSize && payload[..8].SequenceEqual(XerialMagic);

    /// <summary>The records of a compressed batch, uncompressed; throws <see cref="InvalidDataException"/> when they do not decode.</summary>
    public static byte[] Decompress(int codec, ReadOnlySpan<byte> payload)
    {
        try
        {
            return codec switch
            {
                Gzip => ThroughStream(payload, s => new GZipStream(s, CompressionMode.Decompress)),
                Snappy => IsXerial(payload) ? XerialDecompress(payload) : Snappier.Snappy.DecompressToArray(payload),
                Lz4 => ThroughStream(payload, s => LZ4Stream.Decode(s)),
                Zstd => ThroughStream(payload, s => new DecompressionStream(s)),
                _ => throw new InvalidDataException($"unknown compression codec {codec}"),
            };
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            throw new InvalidDataException($"records do not decompress with codec {codec}: {e.Message}", e);
        }
    }

    /// <summary>Compresses records with <paramref name="codec"/> (snappy in the xerial framing when <paramref name="xerial"/>).</summary>
    public static byte[] Compress(int codec, ReadOnlySpan<byte> records, bool xerial = false)
    {
        switch (codec)
        {
            case Gzip:
            {
                using var output = new MemoryStream();
                using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(records);
                return output.ToArray();
            }
            case Snappy:
                return xerial ? XerialCompress(records) : Snappier.Snappy.CompressToArray(records);
            case Lz4:
            {
                using var output = new MemoryStream();
                using (var lz4 = LZ4Stream.Encode(output, leaveOpen: true)) lz4.Write(records);
                return output.ToArray();
            }
            case Zstd:
            {
                using var compressor = new Compressor();
                return compressor.Wrap(records).ToArray();
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(codec), codec, "not a compression codec");
        }
    }

    private static byte[] ThroughStream(ReadOnlySpan<byte> payload, Func<Stream, Stream> decoder)
    {
        using var input = new MemoryStream(payload.ToArray(), writable: false);
        using var stream = decoder(input);
        using var output = new MemoryStream();
        stream.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] XerialDecompress(ReadOnlySpan<byte> payload)
    {
        using var output = new MemoryStream();
        var pos = XerialHeaderSize;
        while (pos < payload.Length)
        {
            if (pos + 4 > payload.Length) throw new InvalidDataException("torn xerial snappy block header");
            var length = BinaryPrimitives.ReadInt32BigEndian(payload[pos..]);
            pos += 4;
            if (length < 0 || pos + length > payload.Length) throw new InvalidDataException("xerial snappy block runs past the batch");
            output.Write(Snappier.Snappy.DecompressToArray(payload.Slice(pos, length)));
            pos += length;
        }
        return output.ToArray();
    }

    private static byte[] XerialCompress(ReadOnlySpan<byte> records)
    {
        const int blockSize = 32 * 1024; // snappy-java's default block
        using var output = new MemoryStream();
        output.Write(XerialMagic);
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, 1);
        output.Write(word); // version
        output.Write(word); // compatible version
        for (var pos = 0; pos < records.Length; pos += blockSize)
        {
            var block = Snappier.Snappy.CompressToArray(records.Slice(pos, Math.Min(blockSize, records.Length - pos)));
            BinaryPrimitives.WriteInt32BigEndian(word, block.Length);
            output.Write(word);
            output.Write(block);
        }
        return output.ToArray();
    }
}
