using ContactCenter.Broker.Log;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ContactCenter.Tests.Broker;

[Trait("Kind", "Property")]
public sealed class LogArenaTests
{
    // Model: a list of independent copies. Every slice the arena hands out must keep exactly the bytes it was given,
    // whatever was copied after it, including batches larger than a chunk.
    [Property(MaxTest = 200)]
    public Property Every_copy_keeps_its_bytes_whatever_is_copied_after_it(PositiveInt[] sizes, byte seed)
    {
        var arena = new LogArena();
        var model = new List<byte[]>();
        var stored = new List<Memory<byte>>();
        var i = 0;
        foreach (var size in sizes)
        {
            var length = size.Get % 7 == 0 ? LogArena.MaxChunkBytes + size.Get : size.Get % 70_000;
            var batch = new byte[length];
            for (var b = 0; b < length; b++) batch[b] = (byte)(seed + i * 31 + b);
            i++;
            model.Add(batch);
            stored.Add(arena.Copy(batch));
        }
        return model.Select((expected, k) => stored[k].Span.SequenceEqual(expected)).All(ok => ok).ToProperty();
    }
}
