using ContactCenter.Stores.Snapshots;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ContactCenter.Tests.Stores.Snapshots;

/// <summary>Snapshot files: what is written is what is read, and nothing that is not a whole snapshot of ours loads.</summary>
[Trait("Kind", "Property")]
public class SnapshotFormatTests
{
    private static async IAsyncEnumerable<object> Each(IEnumerable<object> records)
    {
        foreach (var record in records)
        {
            await Task.Yield();
            yield return record;
        }
    }

    private static string Temp() => Path.Combine(Path.GetTempPath(), $"cc-snap-{Guid.NewGuid():N}.ccsnap");

    private static List<object> Records(string[] texts, long[] numbers)
    {
        var records = new List<object>();
        for (var i = 0; i < texts.Length; i++)
        {
            var text = texts[i] ?? string.Empty;
            if (i % 3 == 2)
                records.Add(new SnapshotTombstone($"cc:agent:t{i}:tomb", $"{i}:{text.Length}:7", numbers.Length == 0 ? 1 : Math.Abs(numbers[i % numbers.Length] % 100_000) + 1));
            else
                records.Add(new SnapshotHash($"cc:agent:{i}", [new("_p", "0"), new("_o", i.ToString()), new("name", text), new("é\u2603", text + "x")]));
        }
        return records;
    }

    [Property(MaxTest = 60)]
    public Task<bool> What_is_written_is_what_is_read(string[] texts, long[] numbers, int[] partitions) =>
        Task.Run(async () =>
        {
            // Strings from FsCheck may hold lone surrogates, which UTF-8 cannot carry: Redis keys and values are
            // UTF-8 text here, so such strings are out of scope for the format.
            texts = texts.Select(t => t is null ? "" : new string(t.Where(c => !char.IsSurrogate(c)).ToArray())).ToArray();
            var offsets = partitions.Distinct().Take(64).ToDictionary(p => p & 0xFFFF, p => (long)p * 7);
            var header = new SnapshotHeader("agent-state", "cc:agent:{key}", 1_700_000_000_000, offsets);
            var records = Records(texts, numbers);
            var path = Temp();
            try
            {
                await SnapshotFormat.WriteAsync(path, header, Each(records));
                var (readHeader, readRecords) = await SnapshotFormat.ReadAsync(path);
                return readHeader.Stage == header.Stage && readHeader.KeyPattern == header.KeyPattern
                    && readHeader.CreatedUnixMs == header.CreatedUnixMs
                    && readHeader.Offsets.OrderBy(o => o.Key).SequenceEqual(offsets.OrderBy(o => o.Key))
                    && readRecords.Count == records.Count
                    && readRecords.Zip(records).All(p => Same(p.First, p.Second));
            }
            finally
            {
                File.Delete(path);
            }
        });

    private static bool Same(object a, object b) => (a, b) switch
    {
        (SnapshotHash x, SnapshotHash y) => x.Key == y.Key && x.Fields.SequenceEqual(y.Fields),
        (SnapshotTombstone x, SnapshotTombstone y) => x == y,
        _ => false,
    };

    private static async Task<byte[]> ValidFileAsync()
    {
        var path = Temp();
        await SnapshotFormat.WriteAsync(path, new SnapshotHeader("s", "cc:agent:{key}", 1, new Dictionary<int, long> { [0] = 5 }),
            Each(Records(["a", "b", "c", "d"], [10])));
        var bytes = await File.ReadAllBytesAsync(path);
        File.Delete(path);
        return bytes;
    }

    private static async Task<string> RefusedAsync(byte[] bytes)
    {
        var path = Temp();
        await File.WriteAllBytesAsync(path, bytes);
        try
        {
            var error = await Assert.ThrowsAsync<SnapshotFormatException>(() => SnapshotFormat.ReadAsync(path));
            return error.Message;
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Every_truncation_is_refused()
    {
        var bytes = await ValidFileAsync();
        for (var length = 0; length < bytes.Length; length++)
            Assert.NotEmpty(await RefusedAsync(bytes[..length]));
    }

    [Fact]
    public async Task Every_flipped_byte_is_refused()
    {
        var bytes = await ValidFileAsync();
        for (var i = 0; i < bytes.Length; i++)
        {
            var corrupted = (byte[])bytes.Clone();
            corrupted[i] ^= 0x40;
            Assert.NotEmpty(await RefusedAsync(corrupted));
        }
    }

    [Fact]
    public async Task A_foreign_file_is_refused_by_its_magic()
    {
        var message = await RefusedAsync("{\"this is\": \"json, not a snapshot\"}"u8.ToArray());
        Assert.Contains("not a ContactCenter snapshot", message);
    }
}
