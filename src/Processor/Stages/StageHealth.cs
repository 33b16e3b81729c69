using Microsoft.Extensions.Logging;

namespace ContactCenter.Processor.Stages;

/// <summary>
/// Whether every stage of a process can go on. A stage that cannot (its stream thread died, its consumer loop or Redis
/// writer stopped on an error that retrying cannot fix) reports it here: the failure is logged at once, as critical,
/// and <see cref="Failure"/> completes, so the pod stops being ready and its host can exit for a restart.
/// </summary>
internal sealed class StageHealth(ILogger logger)
{
    private readonly TaskCompletionSource<string> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the first failure's description.</summary>
    public Task<string> Failure => _failed.Task;

    /// <summary>True until a stage failed.</summary>
    public bool IsHealthy => !_failed.Task.IsCompleted;

    public void Fail(string stage, string what, Exception? error = null)
    {
        var message = error is null ? $"stage {stage} stopped: {what}" : $"stage {stage} stopped: {what}: {error.GetType().Name}: {error.Message}";
        logger.LogCritical(error, "Stage {Stage} cannot go on: {What}. The pod is not ready.", stage, what);
        _failed.TrySetResult(message);
    }
}
