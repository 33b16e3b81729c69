namespace ContactCenter.Bench.Pipeline;

/// <summary>One of the two designs the pipeline benchmark compares, running in the worker process.</summary>
internal interface IBenchDesign : IAsyncDisposable
{
    /// <summary>Starts the design; completes once it consumes (groups joined). Every Redis write it makes is
    /// reported to the <see cref="AckRecorder"/> it was built with, as soon as Redis acknowledged it.</summary>
    Task StartAsync(CancellationToken ct);
}
