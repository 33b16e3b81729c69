using System.Globalization;
using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Topology.Events;

namespace ContactCenter.Processor.Stages;

/// <summary>
/// What a dead letter holds, the same for every sink: a record whose key, value and headers together are at most
/// <see cref="MaxCopyBytes"/> (below the producers' and a default broker's 1,000,000-byte limit) is copied whole, its
/// headers included; a larger one keeps its key (first 1 KiB), its headers (up to 16 KiB), the first
/// <see cref="TruncatedValueBytes"/> of its value and carries <c>cc-dlq-truncated: value</c>. Every dead letter carries
/// its reason, its origin and its original value size.
/// </summary>
internal static class DeadLetterCopy
{
    /// <summary>Largest key + value + headers copied whole.</summary>
    public const int MaxCopyBytes = 900_000;

    /// <summary>How much of a value too large to copy whole is kept.</summary>
    public const int TruncatedValueBytes = 16 * 1024;

    private const int MaxReasonBytes = 1024;
    private const int MaxTruncatedKeyBytes = 1024;
    private const int MaxTruncatedHeaderBytes = 16 * 1024;

    /// <summary>The dead letter of a record: whole when it fits, else truncated and marked so.</summary>
    public static Message<byte[]?, byte[]?> Of(byte[]? key, byte[]? value, Headers? original, string reason, string origin)
    {
        var size = (key?.Length ?? 0) + (value?.Length ?? 0) + HeaderSize.Of(original);
        var whole = size <= MaxCopyBytes;
        var headers = new Headers();
        var headerBudget = whole ? int.MaxValue : MaxTruncatedHeaderBytes;
        if (original is not null)
        {
            foreach (var header in original)
            {
                var bytes = HeaderSize.Of(header);
                if (bytes > headerBudget) continue;
                headerBudget -= bytes;
                headers.Add(header.Key, header.GetValueBytes());
            }
        }
        headers.Add(EventHeaders.DeadLetterReason, Bounded(reason));
        headers.Add(EventHeaders.DeadLetterSource, Encoding.UTF8.GetBytes(origin));
        headers.Add(EventHeaders.DeadLetterSize, Encoding.ASCII.GetBytes((value?.Length ?? -1).ToString(CultureInfo.InvariantCulture)));
        if (whole)
            return new Message<byte[]?, byte[]?> { Key = key, Value = value, Headers = headers };
        headers.Add(EventHeaders.DeadLetterTruncated, "value"u8.ToArray());
        return new Message<byte[]?, byte[]?>
        {
            Key = key is { Length: > MaxTruncatedKeyBytes } ? key[..MaxTruncatedKeyBytes] : key,
            Value = value is { Length: > TruncatedValueBytes } ? value[..TruncatedValueBytes] : value,
            Headers = headers,
        };
    }

    /// <summary>The same dead letter without its value (for a broker that refused even the truncated copy).</summary>
    public static Message<byte[]?, byte[]?> WithoutValue(Message<byte[]?, byte[]?> message)
    {
        var headers = new Headers();
        foreach (var header in message.Headers)
        {
            if (header.Key.StartsWith("cc-dlq-", StringComparison.Ordinal)) headers.Add(header.Key, header.GetValueBytes());
        }
        if (!headers.TryGetLastBytes(EventHeaders.DeadLetterTruncated, out _))
            headers.Add(EventHeaders.DeadLetterTruncated, "value"u8.ToArray());
        var key = message.Key is { Length: > MaxTruncatedKeyBytes } k ? k[..MaxTruncatedKeyBytes] : message.Key;
        return new Message<byte[]?, byte[]?> { Key = key, Value = null, Headers = headers };
    }

    private static byte[] Bounded(string reason)
    {
        var bytes = Encoding.UTF8.GetBytes(reason);
        return bytes.Length <= MaxReasonBytes ? bytes : bytes[..MaxReasonBytes];
    }

}
