using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Sandbox.Scale;

/// <summary>A logger provider that keeps every message at information level or above, for a measurement to read what the
/// stores said about themselves (e.g. how many entries a recovered checkpoint held).</summary>
internal sealed class CollectedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(TimeSpan At, string Message)> _messages = new();
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>Every message kept, with when it was logged (since this provider was made).</summary>
    public IReadOnlyList<(TimeSpan At, string Message)> Messages => _messages.ToArray();

    /// <summary>Time since this provider was made, on the clock of <see cref="Messages"/>.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public ILogger CreateLogger(string categoryName) => new Collector(_messages, _clock);

    public void Dispose()
    {
    }

    private sealed class Collector(ConcurrentQueue<(TimeSpan, string)> messages, System.Diagnostics.Stopwatch clock) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) messages.Enqueue((clock.Elapsed, formatter(state, exception)));
        }
    }
}
