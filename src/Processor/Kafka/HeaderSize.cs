using System.Text;
using Confluent.Kafka;

namespace ContactCenter.Processor.Kafka;

/// <summary>How many bytes a record's headers take on the wire (names in UTF-8 plus values): what counts towards a
/// broker's and a producer's size limits besides key and value.</summary>
internal static class HeaderSize
{
    public static int Of(IHeader header) => Encoding.UTF8.GetByteCount(header.Key) + (header.GetValueBytes()?.Length ?? 0);

    public static int Of(Headers? headers)
    {
        if (headers is null) return 0;
        long total = 0;
        foreach (var header in headers) total += Of(header);
        return (int)Math.Min(total, int.MaxValue);
    }
}
