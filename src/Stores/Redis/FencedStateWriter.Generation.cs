using Microsoft.Extensions.Logging;

namespace ContactCenter.Stores.Redis;

/// <summary>The writer's side of a migration's generation (<see cref="StageGeneration"/>): which generation it writes
/// as, and on a Redis Cluster whether that generation is cut over yet.</summary>
public sealed partial class FencedStateWriter
{
    /// <summary>
    /// The generation this stage writes as (set by a migration for the stages of the new topology, absent otherwise),
    /// read once, retried like a batch while Redis is away.
    /// </summary>
    private Task ReadGenerationAsync() => RetryWhileTransientAsync(async () =>
    {
        _generation = await StageGeneration.ReadAsync(_db, _stage).ConfigureAwait(false);
        _generationRead = true;
        if (_generation is { } g)
            _logger.LogInformation("Fenced writer for stage {Stage} writes as generation {Generation}", _stage, g.Number);
    });

    /// <summary>
    /// On a Redis Cluster, whether the generation's cut-over key exists yet (the script cannot read it from another
    /// slot's call; <see cref="FenceScript"/>, Generation), read before each batch until found, retried like a batch.
    /// </summary>
    private Task ReadCutOverAsync() => RetryWhileTransientAsync(async () =>
    {
        _cutOverSeen = await _db.KeyExistsAsync(_generation!.Value.CutOverKey).ConfigureAwait(false);
        if (_cutOverSeen)
            _logger.LogInformation("Fenced writer for stage {Stage}: generation {Generation} is cut over", _stage, _generation.Value.Number);
    });

    /// <summary>Runs <paramref name="read"/> until it gets through, backing off like a batch while Redis is away.</summary>
    private async Task RetryWhileTransientAsync(Func<Task> read)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await read().ConfigureAwait(false);
                return;
            }
            catch (Exception error) when (RedisFailures.IsTransient(error))
            {
                await Task.Delay(RedisFailures.Backoff(attempt, _options.MaxRetryDelay), _stop.Token).ConfigureAwait(false);
            }
        }
    }
}
