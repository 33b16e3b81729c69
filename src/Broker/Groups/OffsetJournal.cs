using System.Text;
using System.Text.Json;

namespace ContactCenter.Broker.Groups;

/// <summary>Committed offsets on disk (<c>--data-dir</c>): one JSON line per commit, the last one per partition wins.</summary>
internal sealed class OffsetJournal(string path) : IDisposable
{
    public sealed record Commit(string Group, string Topic, int Partition, long Offset, string? Metadata);

    private readonly FileStream _stream = new(path, FileMode.Append, FileAccess.Write, FileShare.Read);

    public void Append(Commit commit)
    {
        _stream.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(commit) + "\n"));
        _stream.Flush();
    }

    public IEnumerable<Commit> Load()
    {
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        while (reader.ReadLine() is { } line)
        {
            Commit? commit;
            try { commit = JsonSerializer.Deserialize<Commit>(line); }
            catch (JsonException) { continue; } // a torn last line
            if (commit is not null) yield return commit;
        }
    }

    public void Dispose() => _stream.Dispose();
}
