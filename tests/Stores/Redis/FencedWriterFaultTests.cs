using ContactCenter.Stores.Redis;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>
/// A permanent failure that belongs to Redis, not to a write (here: out of memory under <c>noeviction</c>), stops the
/// writer at once and says so, instead of hanging or dead-lettering writes that did nothing wrong. Real Redis only:
/// Garnet has no <c>maxmemory</c> to lower at run time.
/// </summary>
[Collection(RealRedisCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class FencedWriterFaultTests(RealRedisBackend backend)
{
    [Fact]
    public async Task Out_of_memory_faults_the_writer_at_once_and_refuses_later_writes()
    {
        var stage = "fault-" + Guid.NewGuid().ToString("N");
        await using (await RedisOutOfMemory.StartAsync(backend))
        {
            var faulted = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var writer = new FencedStateWriter(backend.Redis, stage);
            writer.Faulted += error => faulted.TrySetResult(error);
            await writer.WriteAsync(new AgentStateWrite($"cc:agent:{stage}:a", 0, 1, [KeyValuePair.Create("state", "READY")], 1));

            var flush = await Assert.ThrowsAsync<InvalidOperationException>(() => writer.FlushAsync());
            Assert.Contains("OOM", flush.InnerException!.Message);
            Assert.Contains("OOM", (await faulted.Task.WaitAsync(TimeSpan.FromSeconds(10))).Message);
            await Assert.ThrowsAsync<InvalidOperationException>(() =>
                writer.WriteAsync(new AgentStateWrite($"cc:agent:{stage}:b", 0, 2, [KeyValuePair.Create("state", "READY")], 1)).AsTask());
        }
        Assert.False(await backend.Db.KeyExistsAsync($"cc:agent:{stage}:a"));
    }
}
