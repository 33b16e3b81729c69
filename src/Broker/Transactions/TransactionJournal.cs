using System.Text;
using System.Text.Json;

namespace ContactCenter.Broker.Transactions;

/// <summary>
/// The transaction coordinator's state on disk (<c>--data-dir</c>): one JSON line per change of a transactional id,
/// the last line per id wins (Kafka keeps the same in its <c>__transaction_state</c> topic). Compacted at load.
/// </summary>
internal sealed class TransactionJournal : IDisposable
{
    public sealed record PartitionEntry(string Topic, int Partition);
    public sealed record OffsetEntry(string Group, string Topic, int Partition, long Offset, string? Metadata);
    public sealed record Entry(string TransactionalId, long ProducerId, short Epoch, int TimeoutMs, TransactionStatus Status,
        List<PartitionEntry> Partitions, List<string> Groups, List<OffsetEntry> Offsets);

    private readonly string _path;
    private FileStream _stream;

    public TransactionJournal(string path)
    {
        _path = path;
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    public static Entry ToEntry(TransactionState s) => new(s.TransactionalId, s.ProducerId, s.Epoch, s.TimeoutMs, s.Status,
        s.Partitions.Select(p => new PartitionEntry(p.Topic, p.Partition)).ToList(), s.Groups.ToList(),
        s.PendingOffsets.Select(o => new OffsetEntry(o.Key.Group, o.Key.Topic, o.Key.Partition, o.Value.Offset, o.Value.Metadata)).ToList());

    public void Append(TransactionState state)
    {
        _stream.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(ToEntry(state)) + "\n"));
        _stream.Flush();
    }

    /// <summary>The last entry of every transactional id; the file is rewritten to hold just those.</summary>
    public List<Entry> LoadAndCompact()
    {
        var latest = new Dictionary<string, Entry>(StringComparer.Ordinal);
        using (var reader = new StreamReader(new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)))
            while (reader.ReadLine() is { } line)
            {
                Entry? entry;
                try { entry = JsonSerializer.Deserialize<Entry>(line); }
                catch (JsonException) { continue; } // a torn last line
                if (entry is not null) latest[entry.TransactionalId] = entry;
            }
        var temp = _path + ".tmp";
        File.WriteAllLines(temp, latest.Values.Select(e => JsonSerializer.Serialize(e)));
        _stream.Dispose();
        File.Move(temp, _path, overwrite: true);
        _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
        return latest.Values.ToList();
    }

    public void Dispose() => _stream.Dispose();
}
